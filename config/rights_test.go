package config_test

import "testing"

func TestLoad_SourceRights(t *testing.T) {
	cfg := MustLoad(t, "sources:"+source("wj")+`
    rights: "© 2026 The Western Journal"
    license: "https://creativecommons.org/licenses/by-nd/4.0/"
    redistribute: excerpt
    hold: 2h
`, nil)
	got := cfg.DomainSources()[0]
	if got.Rights != "© 2026 The Western Journal" || got.License != "https://creativecommons.org/licenses/by-nd/4.0/" || got.Redistribute != "excerpt" || got.Hold != "2h" {
		t.Errorf("source = %+v", got)
	}
	runProblemCases(t, []problemCase{
		{name: "Redistribute", yaml: "sources:" + source("wj") + "\n    redistribute: partial\n", line: 6, path: "sources[0].redistribute", msg: "full, excerpt or none"},
		{name: "License", yaml: "sources:" + source("wj") + "\n    license: \"ftp://x.example/l\"\n", line: 6, path: "sources[0].license", msg: "http or https"},
		{name: "Hold", yaml: "sources:" + source("wj") + "\n    hold: tomorrow\n", line: 6, path: "sources[0].hold", msg: "duration"},
	})
}
