package admin_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"syndicate"
	"syndicate/admin"
	"syndicate/ingest/parse"
	"syndicate/registry"
	"syndicate/store/embedded"
)

func newService(t testing.TB) (*admin.Service, *embedded.Store) {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := admin.NewService(admin.Options{Store: st, Runtime: &fakeRuntime{}, Sources: registry.New(registry.Options{Store: st, Config: []syndicate.Source{configSrc}}), Logger: slog.New(slog.DiscardHandler)})
	return svc, st
}

func opmlDoc(body string) string {
	return `<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>` + body + `</body></opml>`
}

// Nested outlines decode recursively: a hostile depth or size is refused
// before the decoder sees it, with the reason, and imports nothing.
func TestImportOPML_Bounded(t *testing.T) {
	feed := `<outline text="Feed" type="rss" xmlUrl="https://deep.example/feed"/>`
	for _, tc := range []struct {
		name     string
		doc      string
		want     string // error; "" for an import
		category string // of the imported source
	}{
		{"DeepUnclosed", `<opml><body>` + strings.Repeat(`<outline text="f">`, 2_000_000), "nesting deeper than 256 at line 1", ""},
		{"DeepClosed", opmlDoc(strings.Repeat(`<outline text="f">`, 300) + feed + strings.Repeat(`</outline>`, 300)), "nesting deeper than 256 at line 1", ""},
		{"TooManyElements", opmlDoc(strings.Repeat(`<outline text="f"/>`, admin.MaxOPMLElements)), "more than 20000 elements", ""},
		{"TooManyAttributes", opmlDoc(`<outline` + strings.Repeat(` a="b"`, parse.MaxAttrs+1) + `/>`), "more than 64 attributes", ""},
		{"DeepFoldersWithinLimit", opmlDoc(strings.Repeat(`<outline text="f">`, 200) + feed + strings.Repeat(`</outline>`, 200)), "", "f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, st := newService(t)
			rep, err := svc.ImportOPML(t.Context(), "test", strings.NewReader(tc.doc))
			srcs, _ := st.Sources(t.Context())
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) || syndicate.ErrorKind(err) != syndicate.EInvalid {
					t.Fatalf("err %v (kind %v), want an invalid-input error %q", err, syndicate.ErrorKind(err), tc.want)
				}
				if len(srcs) != 0 {
					t.Errorf("%d sources imported from a refused document", len(srcs))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Imported) != 1 || len(srcs) != 1 || len(srcs[0].Categories) == 0 || srcs[0].Categories[0] != tc.category {
				t.Errorf("imported %v, sources %+v", rep.Imported, srcs)
			}
		})
	}
}

// FuzzImportOPML: no document panics the import, one that breaks the
// depth or size bounds imports nothing, and an import never creates more
// sources than the document has outlines with a feed URL.
func FuzzImportOPML(f *testing.F) {
	for _, s := range []string{
		opmlDoc(`<outline text="A" xmlUrl="https://a.example/feed"/>`),
		opmlDoc(`<outline text="News"><outline text="B" type="rss" xmlUrl="https://b.example/rss" htmlUrl="https://b.example/" category="/x/y,z"/></outline>`),
		opmlDoc(`<outline xmlns:syndicate="` + admin.NSOPML + `" text="C" xmlUrl="https://c.example/f" syndicate:id="c" syndicate:schedule="@every 1h" syndicate:comments="true"/>`),
		opmlDoc(strings.Repeat(`<outline text="f">`, 300) + strings.Repeat(`</outline>`, 300)),
		`<opml><body>` + strings.Repeat(`<outline>`, 1000),
		opmlDoc(`<outline text="&amp;&lt;script&gt;" xmlUrl="javascript:alert(1)"/><outline text="D" xmlUrl="file:///etc/passwd"/>`),
		"\xef\xbb\xbf<opml><body><outline xmlUrl=\"https://e.example/\x00\"/></body></opml>",
	} {
		f.Add([]byte(s))
	}
	svc, st := newService(f)
	f.Fuzz(func(t *testing.T, doc []byte) {
		before, _ := st.Sources(t.Context())
		rep, err := svc.ImportOPML(t.Context(), "fuzz", bytes.NewReader(doc))
		after, _ := st.Sources(t.Context())
		if perr := parse.CheckXML(doc, admin.MaxOPMLElements); perr != nil {
			if err == nil || len(after) != len(before) {
				t.Fatalf("a document over the bounds (%v) was imported: err %v, %d → %d sources", perr, err, len(before), len(after))
			}
			return
		}
		if err != nil {
			return
		}
		if n := bytes.Count(doc, []byte("xmlUrl")); len(rep.Imported) > n || len(after)-len(before) != len(rep.Imported) {
			t.Fatalf("imported %d sources (store grew by %d) from %d xmlUrl attributes", len(rep.Imported), len(after)-len(before), n)
		}
	})
}
