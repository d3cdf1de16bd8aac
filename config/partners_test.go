package config_test

import (
	"strings"
	"testing"
)

func TestLoad_Partners(t *testing.T) {
	cfg := MustLoad(t, "sources:"+source("wj")+`
partners:
  - name: baltic-daily
    key: "0123456789abcdef-secret"
    sources: [wj]
    categories: [Politics]
    content: excerpt
    comments: true
`, nil)
	ps := cfg.DomainPartners()
	if len(ps) != 1 || ps[0].Name != "baltic-daily" || ps[0].Key != "0123456789abcdef-secret" || ps[0].Sources[0] != "wj" ||
		ps[0].Categories[0] != "Politics" || ps[0].Content != "excerpt" || !ps[0].Comments || ps[0].Managed != "config" {
		t.Errorf("partners = %+v", ps)
	}
	if red := cfg.Redacted(); strings.Contains(red, "0123456789abcdef-secret") || !strings.Contains(red, "REDACTED") {
		t.Errorf("Redacted shows the partner key:\n%s", red)
	}
	p := func(s string) string { return "sources:" + source("wj") + "\npartners:\n" + s }
	runProblemCases(t, []problemCase{
		{name: "Name", yaml: p("  - name: Baltic_Daily\n    key: 0123456789abcdef-secret\n"), line: 7, path: "partners[0].name", msg: "a-z, 0-9"},
		{name: "ShortKey", yaml: p("  - name: b\n    key: short\n"), line: 8, path: "partners[0].key", msg: "at least 16"},
		{name: "NoKey", yaml: p("  - name: b\n"), line: 7, path: "partners[0].key", msg: "required"},
		{name: "Content", yaml: p("  - name: b\n    key: 0123456789abcdef-secret\n    content: most\n"), line: 9, path: "partners[0].content", msg: "full or excerpt"},
		{name: "UnknownSource", yaml: p("  - name: b\n    key: 0123456789abcdef-secret\n    sources: [nope]\n"), line: 9, path: "partners[0].sources[0]", msg: `no source "nope"`},
		{name: "SameKey", yaml: p("  - name: a\n    key: 0123456789abcdef-secret\n  - name: b\n    key: 0123456789abcdef-secret\n"), line: 10, path: "partners[1].key", msg: "its own"},
	})
}
