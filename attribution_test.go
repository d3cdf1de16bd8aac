package syndicate_test

import (
	"strings"
	"testing"
	"time"

	"syndicate"
)

// TestParseAttribution_Allowed: printing fields, if/with (with else),
// comparisons and the publication date's format are what a template may use.
func TestParseAttribution_Allowed(t *testing.T) {
	for _, text := range []string{
		syndicate.DefaultAttribution,
		`Via {{.SourceName}}{{with .Author}} by {{.}}{{end}}.`,
		`{{if .Author}}{{.Author}}{{else if .SourceName}}{{.SourceName}}{{else}}?{{end}}`,
		`{{with .Author}}{{$.SourceName}}: {{.}}{{else}}anon{{end}}`,
		`{{if and .Author (ne .Author "staff")}}{{.Author}}{{end}}{{if not .Title}}untitled{{end}}`,
		`{{if eq .SourceName "AT&T"}}x{{end}}`,
		`First published {{.Published.Format "2 January 2006"}} on {{.SourceURL}}{{/* a note */}}.`,
		`{{- .Title -}} ({{.SourceFeed}})`,
	} {
		if _, err := syndicate.ParseAttribution(text); err != nil {
			t.Errorf("%q: %v", text, err)
		}
	}
}

// TestParseAttribution_Refused: loops, nested templates, variables,
// pipelines and other calls are refused with where and what.
func TestParseAttribution_Refused(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`{{range .Title}}x{{end}}`, "range is not allowed"},
		{`{{range $i, $c := .Title}}{{$c}}{{end}}`, "range is not allowed"},
		{`{{define "x"}}{{.Title}}{{end}}{{template "x" .}}`, "not allowed"},
		{`{{template "attribution" .}}`, "a nested template is not allowed"},
		{`{{block "b" .}}{{.Title}}{{end}}`, "not allowed"},
		{`{{$x := .Title}}{{$x}}`, "a variable is not allowed"},
		{`{{.Title | printf "%s%s%s"}}`, "a pipeline (|) is not allowed"},
		{`{{printf "%01000000d" 1}}`, "the function printf is not allowed"},
		{`{{len .Title}}`, "the function len is not allowed"},
		{`{{index .Title 0}}`, "the function index is not allowed"},
		{`{{html .Title}}`, "the function html is not allowed"},
		{`{{.Published.AddDate 1 0 0}}`, "a method call with arguments is not allowed"},
		{`{{if (printf "x")}}y{{end}}`, "not allowed"},
		{`a{{.Title}}` + strings.Repeat("b", syndicate.MaxAttributionTemplate), "at most"},
	} {
		_, err := syndicate.ParseAttribution(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.60q: err = %v, want %q", tc.text, err, tc.want)
		}
	}
	// The error says where.
	_, err := syndicate.ParseAttribution("ok\n{{range .Title}}{{end}}")
	if err == nil || !strings.Contains(err.Error(), "attribution:2:") {
		t.Errorf("no position in %v", err)
	}
}

// TestRenderAttribution_Capped: a short template over long fields cannot
// make a long line.
func TestRenderAttribution_Capped(t *testing.T) {
	text := strings.Repeat("{{.Title}}", 100)
	tmpl, err := syndicate.ParseAttribution(text)
	if err != nil {
		t.Fatal(err)
	}
	d := syndicate.AttributionData{Title: strings.Repeat("x", 1000), Published: time.Unix(0, 0)}
	if out, err := syndicate.RenderAttribution(tmpl, d); err == nil || out != "" {
		t.Errorf("100 KB line rendered: %d bytes, %v", len(out), err)
	}
	d.Title = "short"
	if out, err := syndicate.RenderAttribution(tmpl, d); err != nil || out != strings.Repeat("short", 100) {
		t.Errorf("short = %q, %v", out, err)
	}
}

// TestSourceName_Disguise: a name with a bidi override or a control
// character is refused, naming the character.
func TestSourceName_Disguise(t *testing.T) {
	for name, want := range map[string]string{
		"Daily \u202Eswen":      "U+202E",
		"Daily \u2066x\u2069":   "U+2066",
		"Daily\nNews":           "U+000A",
		"AT&T <News>":           "",
		"Le Monde diplomatique": "",
	} {
		src := syndicate.Source{ID: "a", Name: name, URL: "https://a.example/feed"}
		errs := src.Validate(false)
		got := ""
		for _, e := range errs {
			if e.Field == "name" {
				got = e.Message
			}
		}
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%q: name error %q, want %q", name, got, want)
		}
	}
}
