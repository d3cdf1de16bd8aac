package websub

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Discovery is what a partner feed advertises for WebSub (W3C WebSub §4).
type Discovery struct {
	Hubs []string // http(s) hub URLs, in the order given
	Self string   // the topic URL to subscribe to
}

const atomNS = "http://www.w3.org/2005/Atom"

// Discover reads the hub and self links of a fetched feed: the HTTP Link
// header first, then the document (an Atom feed's or an RSS channel's
// atom:link elements, a JSON Feed's hubs and feed_url). Relative URLs
// resolve against base, the URL the feed was fetched from, which is also
// the topic when the feed names no self URL. Only http(s) URLs are kept;
// hostile input yields an empty Discovery, never an error.
func Discover(header http.Header, body []byte, base string) Discovery {
	b, err := url.Parse(base)
	if err != nil {
		return Discovery{}
	}
	var d Discovery
	for _, l := range parseLinks(header.Values("Link")) {
		addLink(&d, b, l.rel, l.href)
	}
	var doc Discovery
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		doc = discoverJSON(trimmed, b)
	} else {
		doc = discoverXML(body, b)
	}
	if len(d.Hubs) == 0 {
		d.Hubs = doc.Hubs
	}
	if d.Self == "" {
		d.Self = doc.Self
	}
	if d.Self == "" {
		d.Self = b.String()
	}
	return d
}

// addLink records one link whose rel (a space-separated list) may name
// hub or self.
func addLink(d *Discovery, base *url.URL, rel, href string) {
	u := resolve(base, href)
	if u == "" {
		return
	}
	for _, r := range strings.Fields(strings.ToLower(rel)) {
		switch {
		case r == "hub" && !contains(d.Hubs, u):
			d.Hubs = append(d.Hubs, u)
		case r == "self" && d.Self == "":
			d.Self = u
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// resolve returns href made absolute against base, "" unless http(s).
func resolve(base *url.URL, href string) string {
	href = strings.TrimSpace(href)
	if href == "" || len(href) > 2048 {
		return ""
	}
	u, err := base.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

type link struct{ href, rel string }

// parseLinks reads RFC 8288 Link header values: `<uri>; rel="a b", <uri2>; rel=c`.
func parseLinks(values []string) []link {
	var out []link
	for _, v := range values {
		for len(v) > 0 {
			start := strings.IndexByte(v, '<')
			if start < 0 {
				break
			}
			end := strings.IndexByte(v[start:], '>')
			if end < 0 {
				break
			}
			l := link{href: v[start+1 : start+end]}
			v = v[start+end+1:]
			// Parameters run to the next comma outside quotes.
			params, rest := splitParams(v)
			v = rest
			for _, p := range params {
				name, value, _ := strings.Cut(p, "=")
				if strings.EqualFold(strings.TrimSpace(name), "rel") {
					l.rel = strings.Trim(strings.TrimSpace(value), `"`)
				}
			}
			out = append(out, l)
		}
	}
	return out
}

// splitParams splits `; a=b; c="d,e", <next>` into its parameters and
// what follows the comma that ends them.
func splitParams(v string) (params []string, rest string) {
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			quoted = !quoted
			cur.WriteByte(c)
		case c == ';' && !quoted:
			if s := strings.TrimSpace(cur.String()); s != "" {
				params = append(params, s)
			}
			cur.Reset()
		case c == ',' && !quoted:
			if s := strings.TrimSpace(cur.String()); s != "" {
				params = append(params, s)
			}
			return params, v[i+1:]
		default:
			cur.WriteByte(c)
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		params = append(params, s)
	}
	return params, ""
}

func discoverJSON(body []byte, base *url.URL) Discovery {
	var doc struct {
		FeedURL string `json:"feed_url"`
		Hubs    []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"hubs"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return Discovery{}
	}
	var d Discovery
	for _, h := range doc.Hubs {
		if strings.EqualFold(h.Type, "websub") {
			addLink(&d, base, "hub", h.URL)
		}
	}
	d.Self = resolve(base, doc.FeedURL)
	return d
}

// discoverXML scans the feed's own links (children of an Atom feed or an
// RSS channel) and stops at the first item or entry.
func discoverXML(body []byte, base *url.URL) Discovery {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	// Only the URLs matter: in a document of another declared encoding,
	// non-ASCII bytes are read as '?'.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return asciiReader{r}, nil }
	var d Discovery
	var stack []xml.Name
	for {
		tok, err := dec.Token()
		if err != nil {
			return d
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if name == "item" || name == "entry" {
				return d
			}
			if name == "link" && t.Name.Space == atomNS && len(stack) > 0 {
				parent := strings.ToLower(stack[len(stack)-1].Local)
				if parent == "feed" || parent == "channel" {
					var rel, href string
					for _, a := range t.Attr {
						switch a.Name.Local {
						case "rel":
							rel = a.Value
						case "href":
							href = a.Value
						}
					}
					addLink(&d, base, rel, href)
				}
			}
			stack = append(stack, t.Name)
			if len(stack) > 64 {
				return d
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
}

// asciiReader replaces every non-ASCII byte with '?'.
type asciiReader struct{ r io.Reader }

func (a asciiReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	for i := range p[:n] {
		if p[i] >= 0x80 {
			p[i] = '?'
		}
	}
	return n, err
}
