package feeds

import (
	"testing"

	"syndicate"
)

// RSS takes one enclosure with a full URL on a dotted host: the first
// such one is published, a file on a one-label host is left to Atom and
// JSON Feed.
func TestRSSEnclosure(t *testing.T) {
	enc := func(u string) syndicate.Enclosure { return syndicate.Enclosure{URL: u, Type: "audio/mpeg", Length: 9} }
	for _, tc := range []struct {
		name string
		in   []syndicate.Enclosure
		want string // "" = none
	}{
		{"none", nil, ""},
		{"first", []syndicate.Enclosure{enc("https://cdn.partner.example/1.mp3"), enc("https://cdn.partner.example/2.mp3")}, "https://cdn.partner.example/1.mp3"},
		{"one-label host skipped", []syndicate.Enclosure{enc("http://someurl/v.wmv"), enc("http://192.0.2.1/a.mp3")}, "http://192.0.2.1/a.mp3"},
		{"localhost only", []syndicate.Enclosure{enc("http://localhost/a.mp3")}, ""},
		{"IPv6 literal", []syndicate.Enclosure{enc("http://[2001:db8::1]/a.mp3")}, ""},
		{"port kept", []syndicate.Enclosure{enc("https://cdn.partner.example:8443/a.mp3")}, "https://cdn.partner.example:8443/a.mp3"},
	} {
		got := rssEnclosure(tc.in)
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%s: enclosure %q, want none", tc.name, got.Url)
		case tc.want != "" && (got == nil || got.Url != tc.want || got.Length != "9"):
			t.Errorf("%s: enclosure %+v, want %q", tc.name, got, tc.want)
		}
	}
}
