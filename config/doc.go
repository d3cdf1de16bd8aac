// Package config reads Syndicate's YAML configuration into typed, validated
// values.
//
// Load applies, in order: the built-in defaults (Default), the YAML file,
// SYNDICATE_* environment overrides, then validation. Decoding is strict:
// an unknown key, a duplicate key or a value of the wrong type is a
// Problem carrying the file, the line and the key path
// (sources[1].schedule, with 0-based indexes). Every problem is collected
// before Load returns, so check-config can print them all at once; the
// error is then an *Errors sorted by line.
//
// The YAML is decoded into a yaml.Node tree and walked against the struct
// tree by reflection, rather than with yaml's Decoder.KnownFields: the
// strict decoder reports a line but not the key path, and stops at the
// first problem inside a value. Walking the tree gives both, for every
// problem, and knows which line each key path came from so that
// validation problems carry a line too.
//
// A null value (a key with nothing after it, or ~) keeps the default.
//
// # Parsed values
//
// Once the configuration is valid, Load calls Config.Resolve, which fills
// Config.Parsed with the parsed forms of values written as text: base_url
// and ingest.proxy_url as URLs, the default and fallback schedules,
// site.article_url as a template, http.trusted_proxies as prefixes,
// comments.allowed_origins as origins, log.level. Later code reads those
// instead of parsing the text again. A Config built in code (tests) starts
// from Default and calls Resolve itself.
//
// # Environment
//
// Every scalar key can be overridden by SYNDICATE_ followed by its key
// path in upper snake case (ingest.timeout is SYNDICATE_INGEST_TIMEOUT);
// list keys such as ingest.strip_params take comma-separated values. A
// variable that is set but empty overrides too: SYNDICATE_STORE_REDIS_URL=
// selects the embedded store whatever the file says. The short names listed in
// docs/decisions/configuration.md are aliases, and the full name wins when both are set:
// SYNDICATE_REDIS_URL (store.redis_url), SYNDICATE_DATA_DIR
// (store.data_dir). SYNDICATE_ADMIN_TOKEN adds an admin token named "env".
// Sources cannot be set from the environment. A problem with a value that
// came from the environment names the variable ("env SYNDICATE_LISTEN")
// instead of a line.
//
// # file: sources
//
// A source URL may be file:PATH (config-file sources only). A relative
// PATH resolves against the directory of the config file (docs/decisions/partners.md),
// or the working directory when there is no file, and Load stores the
// result as an absolute file:/abs/path so later code need not know where
// the config file was.
//
// # Secrets
//
// Admin tokens, and passwords inside URLs (store.redis_url,
// ingest.proxy_url, source URLs), never appear in problem messages.
package config
