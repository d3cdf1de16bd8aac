package config

import (
	"fmt"
	"slices"

	"syndicate"
)

// PartnerConfig is a partner profile as written in the config file (see
// syndicate.Partner). Profiles of the file win over API ones of the same
// name and are read-only through the API.
type PartnerConfig struct {
	Name string `yaml:"name"`
	// Key is the partner's secret, at least 16 characters; never logged.
	Key        string   `yaml:"key"`
	Sources    []string `yaml:"sources"`    // source ids; empty: every source
	Categories []string `yaml:"categories"` // categories; empty: every category
	Content    string   `yaml:"content"`    // full (default) or excerpt
	Comments   bool     `yaml:"comments"`   // include comment feeds
}

// Partner converts p to the domain type, managed by the config file.
func (p PartnerConfig) Partner() syndicate.Partner {
	return syndicate.Partner{
		Name: p.Name, Key: p.Key, Sources: slices.Clone(p.Sources), Categories: slices.Clone(p.Categories),
		Content: p.Content, Comments: p.Comments, Managed: syndicate.ManagedConfig,
	}
}

// DomainPartners returns the configured partners as domain values.
func (c *Config) DomainPartners() []syndicate.Partner {
	out := make([]syndicate.Partner, len(c.Partners))
	for i, p := range c.Partners {
		out[i] = p.Partner()
	}
	return out
}

// validatePartners checks each partner with the domain's rules, that its
// name and key are its own, and that the sources it names exist.
func (l *loader) validatePartners(partners []PartnerConfig, sources []SourceConfig) {
	names, keys := map[string]int{}, map[string]int{}
	known := map[string]bool{}
	for _, s := range sources {
		known[s.ID] = true
	}
	for i, pc := range partners {
		prefix := fmt.Sprintf("partners[%d]", i)
		p := pc.Partner()
		for _, e := range p.Validate() {
			l.problem(prefix+"."+e.Field, "%s", e.Message)
		}
		if first, dup := names[p.Name]; dup && p.Name != "" {
			l.problem(prefix+".name", "duplicate name %q (first at partners[%d])", p.Name, first)
		} else {
			names[p.Name] = i
		}
		if first, dup := keys[p.Key]; dup && p.Key != "" {
			l.problem(prefix+".key", "the same key as partners[%d]; each partner needs its own", first)
		} else {
			keys[p.Key] = i
		}
		for j, id := range p.Sources {
			if syndicate.ValidateSourceID(id) == nil && !known[id] && len(sources) > 0 {
				// API sources are not known here; only a file that defines
				// sources can be checked.
				l.problem(fmt.Sprintf("%s.sources[%d]", prefix, j), "no source %q is defined in this file", id)
			}
		}
	}
}
