package parse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// fullPath parses body the way the streaming path does for a document
// within bounds: its token scan, then the namespace rewrite, then gofeed.
func fullPath(t *testing.T, body []byte) string {
	t.Helper()
	scan, err := scanXML(body)
	if err != nil || scan.stop != nil || scan.capped || len(scan.misplaced) > 0 {
		t.Fatalf("the document is not one the fast path should take: %v %v", err, scan.stop)
	}
	f, err := gofeedParse(rewriteNamespaces(body, scan.namespaces))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(f)
	return string(out)
}

// The fast path takes an ordinary feed whose namespaces need respelling
// for gofeed (WordPress's wfw:CommentAPI is in nearly every feed; https or
// a missing slash in others) and reads it exactly as the streaming path
// would, rewrite included.
func TestQuickScan_RespellsNamespaces(t *testing.T) {
	item := `<item><title>T</title><link>https://p.example/a</link><guid>g1</guid>` +
		`<w:commentRss>https://p.example/a/feed</w:commentRss><c:encoded><![CDATA[<p>x</p>]]></c:encoded>` +
		`<at:link rel="self" href="https://p.example/a"/></item>`
	for _, tc := range []struct {
		name, decl string
		respell    int
	}{
		{"WordPress", `xmlns:w="http://wellformedweb.org/CommentAPI/" xmlns:c="http://purl.org/rss/1.0/modules/content/" xmlns:at="http://www.w3.org/2005/Atom"`, 1},
		{"Several", `xmlns:w='https://wellformedweb.org/CommentAPI' xmlns:c="https://purl.org/rss/1.0/modules/content" xmlns:at = "https://www.w3.org/2005/Atom/"`, 3},
		{"NoneToRespell", `xmlns:w="http://wellformedweb.org/commentAPI/" xmlns:c="http://purl.org/rss/1.0/modules/content/" xmlns:at="http://www.w3.org/2005/Atom"`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(`<?xml version="1.0"?><rss version="2.0" ` + tc.decl + `><channel><title>P</title>` + strings.Repeat(item, 3) + `</channel></rss>`)
			items, respell, ok := quickScan(body)
			if !ok || items != 3 || len(respell) != tc.respell {
				t.Fatalf("quickScan = %d items, %d to respell, ok %v; want 3, %d, true", items, len(respell), ok, tc.respell)
			}
			f, err := gofeedParse(insert(body, respell))
			if err != nil {
				t.Fatal(err)
			}
			if got := extValue(f.Items[0], "wfw", "commentRss"); got != "https://p.example/a/feed" {
				t.Errorf("wfw:commentRss = %q: the namespace was not respelled", got)
			}
			fast, _ := json.Marshal(f)
			if want := fullPath(t, body); string(fast) != want {
				t.Errorf("the fast path read\n%s\nthe streaming path\n%s", fast, want)
			}
		})
	}
}

// Every sample document the fast path takes reads as the streaming path
// reads it.
func TestQuickScan_SameAsStreaming(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.xml")
	files = append(files, must(filepath.Glob("testdata/*.rdf"))...)
	taken := 0
	for _, name := range files {
		body, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		items, respell, ok := quickScan(body)
		if !ok {
			continue
		}
		f, err := gofeedParse(insert(body, respell))
		if err != nil || len(f.Items) != items {
			continue // the fast path hands such a document on
		}
		taken++
		fast, _ := json.Marshal(f)
		if want := fullPath(t, body); string(fast) != want {
			t.Errorf("%s: the fast path and the streaming path differ", name)
		}
	}
	if taken == 0 {
		t.Error("the fast path took none of the samples")
	}
}

func must[T any](v T, _ error) T { return v }

// extValue is the text of an item's first prefix:name extension element.
func extValue(it *gofeed.Item, prefix, name string) string {
	if l := it.Extensions[prefix][name]; len(l) > 0 {
		return l[0].Value
	}
	return ""
}
