// Package syndicate holds Syndicate's domain model: sources (partner feeds
// configured by editors), the normalized Article with its canonical-source
// attribution, reader and partner Comments, source status, and the error
// kinds every layer maps to (invalid, not found, conflict, unauthorized).
//
// It depends on the standard library only. Checks that both the config file
// and the admin API need (source ids, URLs, attribution templates, category
// slugs) live here so they are written once.
package syndicate
