package normalize_test

import (
	"net/url"
	"testing"

	"syndicate/ingest/normalize"
)

func TestCanonical(t *testing.T) {
	base, _ := url.Parse("https://Partner.Example/blog/post/")
	for _, tc := range []struct {
		name  string
		raw   string
		strip []string
		want  string // "" = an error
	}{
		{"Absolute", "https://partner.example/a/b", nil, "https://partner.example/a/b"},
		{"AbsoluteDotSegments", "https://partner.example/a/../b/./c", nil, "https://partner.example/b/c"},
		{"AbsoluteDotSegmentsKeepQuery", "https://partner.example/a/b/..?x=1#f", nil, "https://partner.example/a/?x=1"},
		{"AbsoluteAboveRoot", "https://partner.example/../a", nil, "https://partner.example/a"},
		{"DotsInANameKept", "https://partner.example/a.../..b/.c", nil, "https://partner.example/a.../..b/.c"},
		{"RelativePath", "../other", nil, "https://partner.example/blog/other"},
		{"RelativeFile", "next", nil, "https://partner.example/blog/post/next"},
		{"RootRelative", "/a?b=1", nil, "https://partner.example/a?b=1"},
		{"ProtocolRelative", "//cdn.example/x", nil, "https://cdn.example/x"},
		{"QueryOnly", "?page=2", nil, "https://partner.example/blog/post/?page=2"},
		{"FragmentOnly", "#comments", nil, "https://partner.example/blog/post/"},
		{"LowerCaseSchemeAndHost", "HTTPS://WWW.Example.COM/Path/To", nil, "https://www.example.com/Path/To"},
		{"DefaultHTTPPort", "http://example.com:80/x", nil, "http://example.com/x"},
		{"DefaultHTTPSPort", "https://example.com:443/x", nil, "https://example.com/x"},
		{"OtherPortKept", "https://example.com:8443/x", nil, "https://example.com:8443/x"},
		{"HTTPPortOnHTTPSKept", "https://example.com:80/x", nil, "https://example.com:80/x"},
		{"EmptyPort", "http://example.com:/x", nil, "http://example.com/x"},
		{"EmptyPath", "http://example.com", nil, "http://example.com/"},
		{"FragmentDropped", "https://example.com/a#section-2", nil, "https://example.com/a"},
		{"EmptyQueryDropped", "https://example.com/a?", nil, "https://example.com/a"},
		{"UserInfoDropped", "https://user:secret@example.com/a", nil, "https://example.com/a"},
		{"TrackingStripped", "https://example.com/a?utm_source=rss&id=7&utm_medium=feed&fbclid=F&gclid=G&mc_cid=C&mc_eid=E&b=2", nil, "https://example.com/a?id=7&b=2"},
		{"TrackingCaseInsensitive", "https://example.com/a?UTM_Source=x&Id=1", nil, "https://example.com/a?Id=1"},
		{"TrackingEscapedName", "https://example.com/a?utm%5Fcampaign=x&k=v", nil, "https://example.com/a?k=v"},
		{"TrackingWithoutValue", "https://example.com/a?flag&fbclid&x=", nil, "https://example.com/a?flag&x="},
		{"AllStripped", "https://example.com/a?utm_source=x&utm_medium=y", nil, "https://example.com/a"},
		{"OrderAndSpellingKept", "https://example.com/a?z=1&a=2&A=3&q=hello%20world&plus=a+b&e=%41", nil, "https://example.com/a?z=1&a=2&A=3&q=hello%20world&plus=a+b&e=%41"},
		{"RepeatedParamsKept", "https://example.com/a?t=1&t=2", nil, "https://example.com/a?t=1&t=2"},
		{"SemicolonsKept", "https://example.com/a?a=1;b=2", nil, "https://example.com/a?a=1;b=2"},
		{"EmptySegmentsDropped", "https://example.com/a?a=1&&b=2&", nil, "https://example.com/a?a=1&b=2"},
		{"ConfiguredStripList", "https://example.com/a?ref=tw&pk_campaign=x&keep=1&SessionID=9", []string{"ref", "pk_*", "sessionid"}, "https://example.com/a?keep=1"},
		{"ConfiguredListKeepsOthers", "https://example.com/a?reference=1", []string{"ref"}, "https://example.com/a?reference=1"},
		{"PathEscapesKept", "https://example.com/a%2Fb/c", nil, "https://example.com/a%2Fb/c"},
		{"PathCaseKept", "https://example.com/CaseSensitive/Path", nil, "https://example.com/CaseSensitive/Path"},
		{"InvalidCharsEncoded", "https://example.com/a b/c\"d?q=a b|c{d}^", nil, "https://example.com/a%20b/c%22d?q=a%20b%7Cc%7Bd%7D%5E"},
		{"NonASCIIPath", "https://example.com/café/naïve?q=crème", nil, "https://example.com/caf%C3%A9/na%C3%AFve?q=cr%C3%A8me"},
		{"IDNHost", "https://Bücher.Example/straße", nil, "https://xn--bcher-kva.example/stra%C3%9Fe"},
		{"IDNHostEscaped", "https://b%C3%BCcher.example/", nil, "https://xn--bcher-kva.example/"},
		{"PunycodeHost", "https://XN--BCHER-KVA.example/", nil, "https://xn--bcher-kva.example/"},
		{"IPv4", "http://192.0.2.1:8080/x", nil, "http://192.0.2.1:8080/x"},
		{"SurroundingSpace", "  https://example.com/a \n", nil, "https://example.com/a"},
		{"NewlinesInside", "https://example.com/2026/\r\n11/story", nil, "https://example.com/2026/11/story"},
		{"TabsInside", "https://exam\tple.com/a", nil, "https://example.com/a"},

		{"Empty", "", nil, ""},
		{"Blank", "   ", nil, ""},
		{"JavaScript", "javascript:alert(1)", nil, ""},
		{"JavaScriptMixedCase", " JaVaScRiPt:alert(1)", nil, ""},
		{"Mailto", "mailto:editor@example.com", nil, ""},
		{"FTP", "ftp://example.com/file", nil, ""},
		{"File", "file:///etc/passwd", nil, ""},
		{"Data", "data:text/html,<script>alert(1)</script>", nil, ""},
		{"Tag", "tag:example.com,2026:1", nil, ""},
		{"NoHost", "http:///path", nil, ""},
		{"Opaque", "http:example.com/a", nil, ""},
		{"BadHost", "https://exa mple.com/", nil, ""},
		{"QuoteInHost", "http://a\"b.example/", nil, ""},
		{"SubDelimInHost", "http://a!b$c.example/", nil, ""},
		{"BadIPv6", "http://[1:2:3]/", nil, ""},
		// The W3C validator refuses an IPv6 literal's brackets in an RSS
		// link, guid or comments URL (RFC 2396): such a link is dropped.
		{"IPv6", "http://[2001:DB8::1]:80/feed", nil, ""},
		{"IPv6Port", "https://[::1]:8443/", nil, ""},
		{"IPv6Zone", "http://[fe80::1%25eth0]/", nil, ""},
		{"BadPort", "https://example.com:99999999999/", nil, ""},
		{"BadEscape", "https://example.com/%zz", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalize.Canonical(tc.raw, base, tc.strip)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("Canonical(%q) = %q, want an error", tc.raw, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Canonical(%q): %v, want %q", tc.raw, err, tc.want)
			}
			if got != tc.want {
				t.Fatalf("Canonical(%q)\n got %q\nwant %q", tc.raw, got, tc.want)
			}
			again, err := normalize.Canonical(got, nil, tc.strip)
			if err != nil || again != got {
				t.Errorf("not idempotent: Canonical(%q) = %q, %v", got, again, err)
			}
		})
	}
}

// A base whose host no DNS name could have (found by FuzzCanonical) does
// not leak into canonical URLs.
func TestCanonical_BadBase(t *testing.T) {
	base, err := url.Parse("http://0\"00000000")
	if err != nil {
		t.Skip("url.Parse refuses the base now:", err)
	}
	if got, err := normalize.Canonical("0?a= &b", base, nil); err == nil {
		t.Fatalf("Canonical = %q, want an error", got)
	}
}

func TestCanonical_NoBase(t *testing.T) {
	if got, err := normalize.Canonical("/relative", nil, nil); err == nil {
		t.Fatalf("Canonical of a relative link without a base = %q, want an error", got)
	}
	if got, err := normalize.Canonical("https://example.com/a", nil, nil); err != nil || got != "https://example.com/a" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestEscapeURI(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://a.example/p", "https://a.example/p"},
		{"https://a.example/a b/[1]?q=[x]#f g", "https://a.example/a%20b/%5B1%5D?q=%5Bx%5D#f%20g"},
		{"https://a.example/é", "https://a.example/%C3%A9"},
		{"https://a.example/100%/x%41", "https://a.example/100%25/x%41"},
		{"https://a.example/#a#b", "https://a.example/#a%23b"},
		{"https://[::1]:8080/x[y]", "https://[::1]:8080/x%5By%5D"},
		{"https://a.example", "https://a.example"},
	} {
		got := normalize.EscapeURI(tc.in)
		if got != tc.want {
			t.Errorf("EscapeURI(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := normalize.EscapeURI(got); again != got {
			t.Errorf("EscapeURI not idempotent on %q: %q", got, again)
		}
	}
}
