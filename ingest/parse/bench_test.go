package parse_test

import (
	"bytes"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"syndicate/ingest/parse"
)

// maxBody is ingest.max_body_bytes' default: the largest document the
// fetcher hands to the parser.
const maxBody = 10 << 20

const (
	rssHead  = `<?xml version="1.0"?><rss version="2.0" xmlns:x="urn:x"><channel><title>T</title><link>https://p.example/</link>`
	rssTail  = `</channel></rss>`
	atomHead = `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:x="urn:x"><title>T</title><id>urn:t</id>`
	jsonHead = `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[`
)

// fill repeats unit between head and tail up to about size bytes.
func fill(head, unit, tail string, size int) []byte {
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(head)
	for n := (size - len(head) - len(tail)) / len(unit); n > 0; n-- {
		b.WriteString(unit)
	}
	b.WriteString(tail)
	return b.Bytes()
}

func nested(open, close string, depth int) string {
	return strings.Repeat(open, depth) + strings.Repeat(close, depth)
}

func manyAttrs(n int) string {
	var b strings.Builder
	b.WriteString("<x:a")
	for i := range n {
		b.WriteString(" a")
		b.WriteString(strings.Repeat("z", i%7))
		b.WriteByte(byte('a' + i%26))
		b.WriteString(`=""`)
	}
	b.WriteString("/>")
	return b.String()
}

// worstShapes are the documents of maxBody bytes that cost gofeed the most
// per byte, each built just inside (or far beyond) the limits.
func worstShapes() map[string]func() []byte {
	deep := parse.MaxDepth - 4 // the channel, item and rss levels come first
	nsDecls := ""
	for i := range parse.MaxAttrs - 1 {
		nsDecls += ` xmlns:n` + string(rune('a'+i%26)) + strings.Repeat("q", i/26) + `="urn:n"`
	}
	return map[string]func() []byte{
		"rss/deep-items": func() []byte {
			return fill(rssHead, "<item>"+nested("<x:a>", "</x:a>", deep)+"</item>", rssTail, maxBody)
		},
		"rss/deep-core": func() []byte {
			return fill(rssHead, "<item><description>"+nested("<b>", "</b>", deep)+"</description></item>", rssTail, maxBody)
		},
		"rss/deep-unclosed": func() []byte { return fill(rssHead+"<item>", "<x:a>", "", maxBody) },
		"rss/wide-extensions": func() []byte {
			return fill(rssHead, "<item>"+strings.Repeat("<x:a/>", 100)+"</item>", rssTail, maxBody)
		},
		"rss/wide-one-item": func() []byte { return fill(rssHead+"<item>", "<x:a/>", "</item>"+rssTail, maxBody) },
		"rss/tiny-items":    func() []byte { return fill(rssHead, "<item/>", rssTail, maxBody) },
		"rss/titled-items": func() []byte {
			return fill(rssHead, "<item><title>a</title><link>https://p.example/a</link></item>", rssTail, maxBody)
		},
		"rss/attrs-per-tag": func() []byte { return fill(rssHead, "<item>"+manyAttrs(parse.MaxAttrs)+"</item>", rssTail, maxBody) },
		"rss/attrs-one-tag": func() []byte { return fill(rssHead+"<item><x:a ", `b="" `, "/></item>"+rssTail, maxBody) },
		"rss/huge-attribute": func() []byte {
			return fill(rssHead+`<item><enclosure url="`, "aaaaaaaa", `"/></item>`+rssTail, maxBody)
		},
		"rss/huge-text": func() []byte {
			return fill(rssHead+`<item><description>`, "&lt;p&gt;a ", `</description></item>`+rssTail, maxBody)
		},
		"rss/split-text": func() []byte { return fill(rssHead+"<item><x:a>", "a<!---->", "</x:a></item>"+rssTail, maxBody) },
		"rss/split-text-items": func() []byte {
			return fill(rssHead, "<item><x:a>"+strings.Repeat("a<!---->", 2000)+"</x:a></item>", rssTail, maxBody)
		},
		"rss/namespaces-in-scope": func() []byte {
			return fill(`<rss version="2.0"`+nsDecls+`><channel`+strings.ReplaceAll(nsDecls, "xmlns:n", "xmlns:m")+`>`, "<item><x:a/></item>", rssTail, maxBody)
		},
		"rss/namespace-scopes": func() []byte {
			return fill(`<rss version="2.0"`+nsDecls+`><channel>`, "<item><title>a</title></item>", rssTail, maxBody)
		},
		"atom/deep-entries": func() []byte {
			return fill(atomHead, "<entry>"+nested("<x:a>", "</x:a>", deep)+"</entry>", "</feed>", maxBody)
		},
		"atom/tiny-entries": func() []byte { return fill(atomHead, "<entry/>", "</feed>", maxBody) },
		"atom/xhtml-content": func() []byte {
			return fill(atomHead, `<entry><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">`+strings.Repeat("<p>a</p>", 50)+`</div></content></entry>`, "</feed>", maxBody)
		},
		"json/tiny-items": func() []byte { return fill(jsonHead+"{}", ",{}", "]}", maxBody) },
		"json/deep": func() []byte {
			return fill(jsonHead+`{"id":"1","x":`+strings.Repeat("[", parse.MaxDepth-4)+strings.Repeat("]", parse.MaxDepth-4)+`}`, `,{"id":"1"}`, "]}", maxBody)
		},
		"json/wide-tags": func() []byte { return fill(jsonHead+`{"id":"1","tags":["a"`, `,"a"`, "]}]}", maxBody) },
		"json/many-fields": func() []byte {
			return fill(jsonHead, `{"id":"1","title":"t","url":"https://p.example/","tags":["a","b"],"authors":[{"name":"n"}]},`, `{}]}`, maxBody)
		},
	}
}

// peakHeap runs fn and returns the most heap its run held at once, above
// what was live before, sampled every 100µs. The Go collector lets the
// heap grow to twice what was live before a cycle (GOGC=100), so a run
// that allocates more than that between cycles shows as the peak: callers
// keep only the document being read alive, as a server between passes does.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	fn()
	close(done)
	<-stopped
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// BenchmarkRead_WorstShapes reports, per shape, the peak heap of reading
// one document of ingest.max_body_bytes, in MB and as a multiple of the
// document's size.
func BenchmarkRead_WorstShapes(b *testing.B) {
	for name, build := range worstShapes() {
		b.Run(name, func(b *testing.B) {
			body := build()
			var worst uint64
			for b.Loop() {
				if p := peakHeap(func() { parse.Read(body, "") }); p > worst {
					worst = p
				}
			}
			b.ReportMetric(float64(worst)/(1<<20), "peak-MB")
			b.ReportMetric(float64(worst)/float64(len(body)), "peak/size")
			b.SetBytes(int64(len(body)))
		})
	}
}

// The same shapes as a test: reading each stays within a bounded multiple
// of its size, whatever the outcome.
func TestRead_WorstShapesBounded(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("reads 190 MB of generated documents; heap bounds mean nothing under -race")
	}
	const bound = 10 // peak heap / document size
	for name, build := range worstShapes() {
		body := build()
		var err error
		start := time.Now()
		p := peakHeap(func() { _, err = parse.Read(body, "") })
		ratio := float64(p) / float64(len(body))
		t.Logf("%-24s peak %4d MB (%.1f× size) in %v, err=%v", name, p>>20, ratio, time.Since(start).Round(time.Millisecond), err)
		if ratio > bound {
			t.Errorf("%s: peak heap %d MB is %.1f× the document's size, over %d×", name, p>>20, ratio, bound)
		}
	}
}

// typicalFeed is a WordPress-like RSS feed: 200 items of ~4 KB of content.
func typicalFeed() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Typical</title><link>https://typical.example/</link><atom:link rel="self" href="https://typical.example/feed/"/>`)
	para := "<p>" + strings.Repeat("Lorem ipsum dolor sit amet, <a href=\"https://typical.example/x\">consectetur</a> adipiscing elit. ", 8) + "</p>"
	for i := range 200 {
		b.WriteString("\n<item><title>Story " + string(rune('A'+i%26)) + "</title><link>https://typical.example/s/" + strings.Repeat("x", i%9) + "</link>")
		b.WriteString(`<dc:creator><![CDATA[Ann Lee]]></dc:creator><pubDate>Tue, 24 Nov 2026 10:00:00 +0000</pubDate><category><![CDATA[News]]></category><category><![CDATA[Local]]></category>`)
		b.WriteString(`<guid isPermaLink="false">https://typical.example/?p=` + string(rune('0'+i%10)) + `</guid><description><![CDATA[` + para[:200] + `]]></description>`)
		b.WriteString(`<content:encoded><![CDATA[` + strings.Repeat(para, 4) + `]]></content:encoded><wfw:commentRss>https://typical.example/s/feed/</wfw:commentRss>`)
		b.WriteString(`<media:content url="https://typical.example/i.jpg" medium="image"><media:title>t</media:title></media:content></item>`)
	}
	b.WriteString("</channel></rss>")
	return []byte(b.String())
}

// BenchmarkRead_Typical measures Read on an ordinary feed, next to gofeed
// alone: the price of the checks and repairs.
func BenchmarkRead_Typical(b *testing.B) {
	body := typicalFeed()
	b.Run("Read", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := parse.Read(body, "application/rss+xml; charset=utf-8"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gofeed", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			p := gofeed.NewParser()
			p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
			if _, err := p.Parse(bytes.NewReader(body)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRead_TypicalJSON: a JSON Feed of 200 items, read leniently
// field by field, next to gofeed alone.
func BenchmarkRead_TypicalJSON(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(jsonHead)
	para := strings.Repeat("<p>Lorem ipsum dolor sit amet, <a href=\\\"https://typical.example/x\\\">consectetur</a> adipiscing elit.</p>", 30)
	for i := range 200 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"id":"https://typical.example/?p=` + strings.Repeat("1", i%7+1) + `","url":"https://typical.example/s","title":"Story","content_html":"` + para + `","date_published":"2026-11-24T10:00:00Z","tags":["News","Local"],"authors":[{"name":"Ann Lee"}],"attachments":[{"url":"https://typical.example/a.mp3","mime_type":"audio/mpeg","size_in_bytes":1234}]}`)
	}
	sb.WriteString("]}")
	body := []byte(sb.String())
	b.Run("Read", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := parse.Read(body, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gofeed", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := gofeed.NewParser().Parse(bytes.NewReader(body)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
