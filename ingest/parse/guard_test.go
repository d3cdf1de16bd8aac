package parse_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"syndicate/ingest/parse"
)

// deepDocument is the document that used to kill the process: about
// 2M unclosed nested namespaced elements, 10 MB.
func deepDocument() []byte {
	return fill(`<?xml version="1.0"?><rss version="2.0" xmlns:x="urn:x"><channel><title>T</title><item>`, "<x:a>", "", maxBody)
}

func TestRead_LimitsRefuse(t *testing.T) {
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"DeepUnclosedRSS", deepDocument(), "nesting deeper than 256 at line 1"},
		{"DeepClosedRSS", []byte(rssHead + "<item>" + nested("<x:a>", "</x:a>", 300) + "</item>" + rssTail), "nesting deeper than 256 at line 1"},
		{"DeepOnLaterLine", []byte(rssHead + "\n<item>\n<title>t</title>\n" + nested("<x:a>", "</x:a>", 300) + "</item>" + rssTail), "nesting deeper than 256 at line 4"},
		{"DeepInDescription", []byte(rssHead + "<item><description>" + nested("<b>", "</b>", 300) + "</description></item>" + rssTail), "nesting deeper than 256"},
		{"DeepAtom", fill(atomHead+"<entry>", "<x:a>", "", 1<<20), "nesting deeper than 256 at line 1"},
		{"DeepRDF", []byte(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><item>` + nested("<a>", "</a>", 400) + `</item></rdf:RDF>`), "nesting deeper than 256"},
		{"DeepJSON", []byte(jsonHead + `{"id":"1","x":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}]}`), "nesting deeper than 256 at line 1"},
		{"DeepJSONUnclosed", fill(jsonHead+`{"id":"1","x":`, "[", "", 1<<20), "nesting deeper than 256 at line 1"},
		{"DeepJSONObjects", []byte(jsonHead + "\n" + strings.Repeat(`{"a":`, 300) + "1" + strings.Repeat("}", 300) + "]}"), "nesting deeper than 256 at line 2"},
		{"TooManyAttributes", []byte(rssHead + "<item>" + manyAttrs(parse.MaxAttrs+1) + "</item>" + rssTail), "more than 64 attributes on one element at line 1"},
		{"ValuelessAttributes", []byte(rssHead + "<item><x:a" + strings.Repeat(" b", 100) + "/></item>" + rssTail), "more than 64 attributes"},
		{"TooManyNamespaceDeclarations", []byte(`<rss version="2.0"` + strings.Repeat(` xmlns:a="urn:a"`, 70) + `><channel></channel></rss>`), "more than 64 attributes"},
		{"NamespacesInScope", []byte(rssHead + "<item>" + nsNest(10, 20) + "</item>" + rssTail), "more than 128 namespace declarations in scope at line 1"},
		{"ElementsWithoutACompleteItem", fill(rssHead+"<item>", "<x:a/>", "</item>"+rssTail, 1<<20), fmt.Sprintf("more than %d elements at line 1", parse.MaxElements)},
		{"JSONValuesWithoutACompleteItem", fill(jsonHead+`{"id":"1","tags":["a"`, `,"a"`, "]}]}", 2<<20), fmt.Sprintf("more than %d values at line 1", parse.MaxValues)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parse.Read(tc.body, "")
			if err == nil {
				t.Fatalf("read %d items, want an error", len(doc.Feed.Items))
			}
			var le *parse.LimitError
			if !errors.As(err, &le) {
				t.Errorf("error %v is no *parse.LimitError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want %q", err, tc.want)
			}
		})
	}
}

// nsNest opens depth nested elements declaring per namespaces each.
func nsNest(depth, per int) string {
	var b strings.Builder
	for d := range depth {
		b.WriteString("<x:a")
		for i := range per {
			fmt.Fprintf(&b, ` xmlns:p%d_%d="urn:%d"`, d, i, i)
		}
		b.WriteString(">")
	}
	return b.String() + strings.Repeat("</x:a>", depth)
}

// Just inside the limits, documents read as usual.
func TestRead_WithinLimits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		body  []byte
		items int
	}{
		{"Depth256", []byte(rssHead + "<item><title>t</title>" + nested("<x:a>", "</x:a>", parse.MaxDepth-3) + "</item>" + rssTail), 1},
		{"JSONDepth256", []byte(jsonHead + `{"id":"1","x":` + strings.Repeat("[", parse.MaxDepth-3) + strings.Repeat("]", parse.MaxDepth-3) + `}]}`), 1},
		{"128NamespacesInScope", []byte(rssHead + "<item><title>t</title>" + nsNest(7, 18) + "</item>" + rssTail), 1},
		{"NamespacesOutOfScopeAgain", []byte(rssHead + strings.Repeat("<item><title>t</title>"+nsNest(5, 20)+"</item>", 3) + rssTail), 3},
		{"64Attributes", []byte(rssHead + "<item><title>t</title>" + manyAttrs(parse.MaxAttrs) + "</item>" + rssTail), 1},
		// '<', '=' and quotes in comments, CDATA and values are no attributes.
		{"NoAttributesInText", []byte(rssHead + "<!-- <a" + strings.Repeat(" b=1", 100) + "> --><item><title><![CDATA[<a" + strings.Repeat(" b=1", 100) + ">]]></title><link>https://p.example/?" + strings.Repeat("a=1&amp;", 100) + `</link><x:a v="` + strings.Repeat(" b=1", 100) + `"/></item>` + rssTail), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parse.Read(tc.body, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Feed.Items) != tc.items || len(doc.Repairs) != 0 {
				t.Errorf("%d items, repairs %q; want %d and none", len(doc.Feed.Items), doc.Repairs, tc.items)
			}
		})
	}
}

// A raw "<" in text is a syntax error, not a tag with a hundred
// attributes: the items before it are kept.
func TestRead_RawLessThanIsNoTag(t *testing.T) {
	body := rssHead + "<item><title>t</title></item><item><title>a < b" + strings.Repeat(" word", 100) + " <3 x</title></item>" + rssTail
	doc, err := parse.Read([]byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Feed.Items) != 1 || len(doc.Repairs) != 1 || !strings.Contains(doc.Repairs[0], "expected element name") {
		t.Errorf("%d items, repairs %q", len(doc.Feed.Items), doc.Repairs)
	}
}

// A document past the item, element or value limits keeps its complete
// items before the limit and says so.
func TestRead_LimitsCut(t *testing.T) {
	item := "<item><title>t</title><link>https://p.example/a</link></item>"
	for _, tc := range []struct {
		name   string
		body   []byte
		items  int
		repair string
		total  int // items in the document
	}{
		{"RSSItems", []byte(rssHead + strings.Repeat(item, parse.MaxItems+5) + rssTail), parse.MaxItems, fmt.Sprintf("more than %d items at line 1: read the first %d items", parse.MaxItems, parse.MaxItems), parse.MaxItems + 5},
		{"AtomEntries", []byte(atomHead + strings.Repeat("<entry><title>t</title><id>urn:e</id></entry>", parse.MaxItems+1) + "</feed>"), parse.MaxItems, "more than 10000 items", parse.MaxItems + 1},
		{"JSONItems", []byte(jsonHead + `{"id":"0"}` + strings.Repeat(`,{"id":"1"}`, parse.MaxItems) + "]}"), parse.MaxItems, "more than 10000 items", parse.MaxItems + 1},
		{"RSSElements", []byte(rssHead + strings.Repeat("<item><title>t</title>"+strings.Repeat("<x:a/>", 998)+"</item>", 60) + rssTail), (parse.MaxElements - 4) / 1000, fmt.Sprintf("more than %d elements", parse.MaxElements), 60},
		{"RSSAttributes", []byte(rssHead + strings.Repeat("<item><title>t</title>"+strings.Repeat(manyAttrs(50), 20)+"</item>", 250) + rssTail), (parse.MaxAttributes - 2) / 1000, fmt.Sprintf("more than %d attributes", parse.MaxAttributes), 250},
		{"JSONValues", []byte(jsonHead + strings.Repeat(`{"id":"1","tags":[`+strings.Repeat(`"a",`, 9995)+`"a"]},`, 30) + `{}]}`), 24, fmt.Sprintf("more than %d values", parse.MaxValues), 31},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parse.Read(tc.body, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Feed.Items) != tc.items {
				t.Errorf("%d items, want %d", len(doc.Feed.Items), tc.items)
			}
			if len(doc.Repairs) != 1 || !strings.Contains(doc.Repairs[0], tc.repair) {
				t.Errorf("repairs %q, want one saying %q", doc.Repairs, tc.repair)
			}
			// Every item cut off is accounted for, with its position.
			if len(doc.Skipped) != tc.total-tc.items {
				t.Fatalf("%d skipped, want %d", len(doc.Skipped), tc.total-tc.items)
			}
			for i, s := range doc.Skipped {
				if s.Index != tc.items+i || !strings.Contains(s.Reason, "breaks a limit (more than") {
					t.Fatalf("skipped[%d] = %+v", i, s)
				}
			}
		})
	}
}

// A deep HTML page or other XML is still refused for what it is.
func TestRead_DeepNonFeed(t *testing.T) {
	for _, body := range []string{
		"<!DOCTYPE html><html><body>" + strings.Repeat("<div>", 1000) + "</body></html>",
		`<?xml version="1.0"?><note>` + strings.Repeat("<x>", 1000),
	} {
		_, err := parse.Read([]byte(body), "")
		if !errors.Is(err, parse.ErrNotAFeed) {
			t.Errorf("%.40q: error %v, want ErrNotAFeed", body, err)
		}
	}
}

func TestCheckXML(t *testing.T) {
	opml := func(inner string) []byte {
		return []byte(`<?xml version="1.0"?><opml version="2.0"><head/><body>` + inner + `</body></opml>`)
	}
	for _, tc := range []struct {
		name string
		body []byte
		max  int
		want string
	}{
		{"Flat", opml(strings.Repeat(`<outline text="a" xmlUrl="https://p.example/f"/>`, 100)), 0, ""},
		{"Folders", opml(nested(`<outline text="f">`, "</outline>", 200)), 0, ""},
		{"Deep", opml(nested(`<outline text="f">`, "</outline>", 300)), 0, "nesting deeper than 256 at line 1"},
		{"DeepUnclosed", fill(`<opml><body>`, "<outline>", "", 1<<20), 0, "nesting deeper than 256"},
		{"StrayEndTags", opml(strings.Repeat("</outline>", 1000) + nested("<outline>", "</outline>", 300)), 0, "nesting deeper than 256"},
		{"Attributes", opml(`<outline` + strings.Repeat(` a="b"`, 65) + `/>`), 0, "more than 64 attributes"},
		{"Elements", opml(strings.Repeat(`<outline/>`, 101)), 100, "more than 100 elements"},
		{"Broken", []byte(`<opml><body><outline`), 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := parse.CheckXML(tc.body, tc.max)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("CheckXML: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// gofeed reassembles an extension element's text piece by piece: text
// split a million times costs the square of its length. Within bounds the
// pieces are read; beyond, the document is cut or refused like one with
// too many elements.
func TestRead_SplitText(t *testing.T) {
	item := "<item><title>t</title><x:a>a<!-- c -->b<![CDATA[c]]>d<x:b/>e</x:a></item>\n  "
	doc, err := parse.Read([]byte(rssHead+"\n  "+strings.Repeat(item, parse.MaxItems)+rssTail), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Feed.Items) != parse.MaxItems || len(doc.Repairs) != 0 {
		t.Fatalf("%d items, repairs %q", len(doc.Feed.Items), doc.Repairs)
	}
	if got := extValue(doc.Feed.Items[0].Extensions, "x", "a"); got != "abcde" {
		t.Errorf("x:a = %q", got)
	}
	for _, sep := range []string{"<!---->", "<![CDATA[b]]>", "<x:b/>", "<?p?>"} {
		_, err := parse.Read(fill(rssHead+"<item><x:a>", "a"+sep, "</x:a></item>"+rssTail, 4<<20), "")
		if err == nil || !strings.Contains(err.Error(), "bytes of split text at line 1") {
			t.Errorf("text split by %q: error %v", sep, err)
		}
	}
	doc, err = parse.Read([]byte(rssHead+"<item><title>kept</title></item><item><x:a>"+strings.Repeat("a<!---->", 1<<19)+"</x:a></item>"+rssTail), "")
	if err != nil || len(doc.Feed.Items) != 1 || len(doc.Repairs) != 1 || !strings.Contains(doc.Repairs[0], "split text") {
		t.Errorf("cut after the complete item: err %v, document %+v", err, doc)
	}
}

// Past MaxItems cut-off items, one entry stands for the rest: a million
// tiny items must not cost a million entries.
func TestRead_ManyCutItemsSummarised(t *testing.T) {
	doc, err := parse.Read([]byte(rssHead+strings.Repeat("<item/>", 2*parse.MaxItems+5)+rssTail), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Feed.Items) != parse.MaxItems || len(doc.Skipped) != parse.MaxItems+1 {
		t.Fatalf("%d items, %d skipped", len(doc.Feed.Items), len(doc.Skipped))
	}
	last := doc.Skipped[len(doc.Skipped)-1]
	if last.Index != 2*parse.MaxItems || !strings.Contains(last.Reason, "this item and the 4 after it left unread") {
		t.Errorf("last skip %+v", last)
	}
}
