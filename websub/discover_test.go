package websub_test

import (
	"net/http"
	"slices"
	"testing"

	"syndicate/websub"
)

func TestDiscover(t *testing.T) {
	const base = "https://partner.example/feed/"
	tests := []struct {
		name string
		link []string
		body string
		hubs []string
		self string
	}{
		{"atom feed", nil, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
			<link rel="hub" href="https://hub.example/"/><link rel="self" href="https://partner.example/atom"/>
			<entry><link rel="hub" href="https://entry-hub.example/"/></entry></feed>`,
			[]string{"https://hub.example/"}, "https://partner.example/atom"},
		{"rss channel with atom:link, relative hub", nil, `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>
			<atom:link rel="hub" href="/hub"/><atom:link rel="self" type="application/rss+xml" href="https://partner.example/rss"/>
			<item><title>i</title></item></channel></rss>`,
			[]string{"https://partner.example/hub"}, "https://partner.example/rss"},
		{"rss link without the atom namespace is not a hub", nil, `<rss><channel><link rel="hub" href="https://hub.example/"/></channel></rss>`,
			nil, base},
		{"items' links are ignored", nil, `<rss xmlns:atom="http://www.w3.org/2005/Atom"><channel><item><atom:link rel="hub" href="https://x.example/"/></item></channel></rss>`,
			nil, base},
		{"http link header wins", []string{`<https://h1.example/>; rel="hub", <https://partner.example/self>; rel="self"`, `<https://h2.example/>; rel=hub`},
			`<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="https://doc-hub.example/"/><link rel="self" href="https://partner.example/doc"/></feed>`,
			[]string{"https://h1.example/", "https://h2.example/"}, "https://partner.example/self"},
		{"rel list and quoted comma", []string{`<https://h.example/a,b>; title="x, y"; rel="self hub"`}, "",
			[]string{"https://h.example/a,b"}, "https://h.example/a,b"},
		{"json feed", nil, `{"version":"https://jsonfeed.org/version/1.1","feed_url":"https://partner.example/feed.json","hubs":[{"type":"rssCloud","url":"https://cloud.example/"},{"type":"WebSub","url":"https://hub.example/"}]}`,
			[]string{"https://hub.example/"}, "https://partner.example/feed.json"},
		{"non-http hubs dropped", nil, `<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="javascript:alert(1)"/><link rel="hub" href="file:///etc/passwd"/></feed>`,
			nil, base},
		{"garbage", nil, "\x00\xff<<<", nil, base},
		{"latin-1 declared", nil, `<?xml version="1.0" encoding="ISO-8859-1"?><feed xmlns="http://www.w3.org/2005/Atom"><title>caf` + "\xe9" + `</title><link rel="hub" href="https://hub.example/"/></feed>`,
			[]string{"https://hub.example/"}, base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, l := range tt.link {
				h.Add("Link", l)
			}
			d := websub.Discover(h, []byte(tt.body), base)
			if !slices.Equal(d.Hubs, tt.hubs) || d.Self != tt.self {
				t.Errorf("Discover = %+v, want hubs %v self %s", d, tt.hubs, tt.self)
			}
		})
	}
}

func FuzzDiscover(f *testing.F) {
	f.Add(`<https://h.example/>; rel="hub"`, `<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="/h"/></feed>`)
	f.Add(`<x>;rel=self,<`, `{"hubs":[{"type":"websub","url":"https://h/"}],"feed_url":"/f"}`)
	f.Fuzz(func(t *testing.T, link, body string) {
		d := websub.Discover(http.Header{"Link": {link}}, []byte(body), "https://partner.example/feed")
		for _, u := range append(d.Hubs, d.Self) {
			if len(u) < 8 || (u[:7] != "http://" && u[:8] != "https://") {
				t.Fatalf("non-http URL %q discovered", u)
			}
		}
	})
}
