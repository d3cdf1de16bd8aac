package parse

import (
	"bytes"
	"regexp"
	"strings"
)

// gofeed keys extension elements by namespace URI when it knows the URI
// (an element in http://search.yahoo.com/mrss/ is under "media" whatever
// prefix the partner bound it to, .NET's a10: is "atom"), and by the
// partner's own prefix otherwise. It matches URIs exactly, so a partner
// that writes a known namespace with https, without its trailing slash, in
// another case, or under the newer URI of the same vocabulary, would have
// its elements keyed by its own prefix. Read rewrites those declarations to
// the spelling gofeed knows, so the normalizer finds "atom", "media",
// "dc", "content", "itunes", "thr"... regardless of the partner's prefix.
var knownNamespaces = map[string]string{}

func init() {
	for canonical, variants := range map[string][]string{
		"http://www.w3.org/2005/Atom":                           {"http://www.w3.org/2005/Atom"},
		"http://purl.org/atom/ns#":                              {"http://purl.org/atom/ns#"},
		"http://search.yahoo.com/mrss/":                         {"http://search.yahoo.com/mrss/", "http://video.search.yahoo.com/mrss", "http://tools.search.yahoo.com/mrss/", "http://www.rssboard.org/media-rss"},
		"http://purl.org/dc/elements/1.1/":                      {"http://purl.org/dc/elements/1.1/"},
		"http://purl.org/dc/terms/":                             {"http://purl.org/dc/terms/"},
		"http://purl.org/rss/1.0/modules/content/":              {"http://purl.org/rss/1.0/modules/content/"},
		"http://www.itunes.com/DTDs/PodCast-1.0.dtd":            {"http://www.itunes.com/dtds/podcast-1.0.dtd"},
		"http://purl.org/rss/1.0/modules/threading/":            {"http://purl.org/rss/1.0/modules/threading/", "http://purl.org/syndication/thread/1.0"},
		"http://wellformedweb.org/commentAPI/":                  {"http://wellformedweb.org/CommentAPI/"},
		"http://purl.org/rss/1.0/modules/slash/":                {"http://purl.org/rss/1.0/modules/slash/"},
		"http://purl.org/rss/1.0/modules/syndication/":          {"http://purl.org/rss/1.0/modules/syndication/"},
		"http://www.w3.org/1999/xhtml":                          {"http://www.w3.org/1999/xhtml"},
		"http://www.w3.org/1999/02/22-rdf-syntax-ns#":           {"http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
		"http://purl.org/rss/1.0/":                              {"http://purl.org/rss/1.0/"},
		"http://madskills.com/public/xml/rss/module/trackback/": {"http://madskills.com/public/xml/rss/module/trackback/"},
	} {
		for _, v := range variants {
			knownNamespaces[nsKey(v)] = canonical
		}
	}
}

// nsKey is a namespace URI reduced to what partners get wrong: case,
// scheme, "www.", and a trailing "/" or "#".
func nsKey(uri string) string {
	k := strings.ToLower(strings.TrimSpace(uri))
	k = strings.TrimPrefix(k, "https://")
	k = strings.TrimPrefix(k, "http://")
	k = strings.TrimPrefix(k, "www.")
	return strings.TrimRight(k, "/#")
}

// canonicalNamespace returns the URI gofeed recognizes for a declared
// namespace URI, or "" when the namespace is not one we know.
func canonicalNamespace(uri string) string {
	return knownNamespaces[nsKey(uri)]
}

var nsDecl = regexp.MustCompile(`xmlns(?::[^\s=/>]+)?\s*=\s*(?:"[^"<]*"|'[^'<]*')`)

// rewriteNamespaces replaces the declared namespace URIs listed in m
// (declared value → canonical URI) in every xmlns declaration of body.
func rewriteNamespaces(body []byte, m map[string]string) []byte {
	if len(m) == 0 {
		return body
	}
	return nsDecl.ReplaceAllFunc(body, func(decl []byte) []byte {
		eq := bytes.IndexByte(decl, '=')
		v := bytes.TrimLeft(decl[eq+1:], " \t\r\n")
		q := v[0]
		val := string(v[1 : len(v)-1])
		c, ok := m[val]
		if !ok {
			return decl
		}
		out := make([]byte, 0, len(decl)+len(c))
		out = append(out, decl[:len(decl)-len(v)]...)
		out = append(out, q)
		out = append(out, c...)
		return append(out, q)
	})
}
