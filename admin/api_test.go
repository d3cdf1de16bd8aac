package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate"
	"syndicate/admin"
	"syndicate/registry"
	"syndicate/store"
	"syndicate/store/embedded"
)

// fakeRuntime records what the admin surface asks of the server.
type fakeRuntime struct {
	mu        sync.Mutex
	applied   [][]syndicate.Source
	refreshFn func(src syndicate.Source) admin.Summary
}

var _ admin.Runtime = (*fakeRuntime)(nil)

func (f *fakeRuntime) Refresh(ctx context.Context, src syndicate.Source) admin.Summary {
	if f.refreshFn != nil {
		return f.refreshFn(src)
	}
	return admin.Summary{SourceID: src.ID, Status: "ok", HTTP: 200, New: 1, Duration: "5ms"}
}
func (f *fakeRuntime) NextRun(id string) time.Time {
	return time.Date(2026, 11, 25, 12, 15, 0, 0, time.UTC)
}

// Apply is the registry's consumer: it records each source set.
func (f *fakeRuntime) Apply(srcs []syndicate.Source) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = append(f.applied, srcs)
	return nil
}
func (f *fakeRuntime) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.applied)
}
func (f *fakeRuntime) last() []syndicate.Source {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.applied) == 0 {
		return nil
	}
	return f.applied[len(f.applied)-1]
}

type apiFixture struct {
	st  *embedded.Store
	rt  *fakeRuntime
	srv *httptest.Server
	log *bytes.Buffer
}

var configSrc = syndicate.Source{ID: "westernjournal", Name: "The Western Journal", URL: "https://www.westernjournal.example/feed/",
	SiteURL: "https://www.westernjournal.example/", Enabled: true, Managed: syndicate.ManagedConfig}

func newAPI(t *testing.T, tokens ...admin.Token) *apiFixture {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &apiFixture{st: st, rt: &fakeRuntime{}, log: &bytes.Buffer{}}
	log := slog.New(slog.NewTextHandler(f.log, nil))
	reg := registry.New(registry.Options{Store: st, Config: []syndicate.Source{configSrc}, Logger: log})
	reg.Subscribe(f.rt.Apply)
	reg.Start(t.Context()) // the store's notice of each edit reaches the registry too
	svc := admin.NewService(admin.Options{Store: st, Runtime: f.rt, Sources: reg, Logger: log})
	mux := http.NewServeMux()
	admin.NewAPI(svc, tokens, "Example News", log).Routes(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

var tok = admin.Token{Name: "alice", Value: "s3cret-token-1"}

func (f *apiFixture) call(t *testing.T, method, path, token, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: bad JSON %q", method, path, raw)
		}
	}
	if out == nil {
		out = map[string]any{"_raw": string(raw)}
	}
	return resp.StatusCode, out, resp.Header
}

const goodSource = `{"id":"partner-daily","name":"Partner Daily","url":"https://partner.example/feed/","site_url":"https://partner.example/","schedule":"*/10 * * * *","categories":["Local"],"comments":true}`

func TestAPI_Auth(t *testing.T) {
	t.Run("DisabledWithoutTokens", func(t *testing.T) {
		f := newAPI(t)
		code, body, _ := f.call(t, "GET", "/api/sources", "anything", "")
		if code != 403 || !strings.Contains(body["error"].(string), "disabled") {
			t.Errorf("= %d %v", code, body)
		}
	})
	f := newAPI(t, tok, admin.Token{Name: "bob", Value: "other-token"})
	for name, header := range map[string]string{"Missing": "", "Wrong": "nope", "Prefix": "s3cret"} {
		t.Run(name, func(t *testing.T) {
			code, body, h := f.call(t, "GET", "/api/sources", header, "")
			if code != 401 || body["error"] == nil || h.Get("WWW-Authenticate") == "" {
				t.Errorf("= %d %v %v", code, body, h)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		if code, _, _ := f.call(t, "GET", "/api/sources", "other-token", ""); code != 200 {
			t.Errorf("second token = %d", code)
		}
	})
}

func TestAPI_Sources(t *testing.T) {
	f := newAPI(t, tok)
	code, body, h := f.call(t, "POST", "/api/sources", tok.Value, goodSource)
	if code != 201 || h.Get("Location") != "/api/sources/partner-daily" || body["managed"] != "api" || body["enabled"] != true {
		t.Fatalf("create = %d %v", code, body)
	}
	st := body["status"].(map[string]any)
	for _, k := range []string{"last_attempt", "last_success", "last_error", "consecutive_failures", "next_run", "article_count", "etag", "last_modified"} {
		if _, ok := st[k]; !ok {
			t.Errorf("status lacks %s: %v", k, st)
		}
	}
	if st["next_run"] != "2026-11-25T12:15:00Z" {
		t.Errorf("next_run = %v", st["next_run"])
	}
	applied := f.rt.last()
	if len(applied) != 2 || applied[1].ID != "partner-daily" || applied[1].Schedule != "*/10 * * * *" {
		t.Errorf("runtime got %+v", applied)
	}
	if n := f.rt.count(); n != 1 {
		t.Errorf("the create reached the runtime %d times, want once", n)
	}
	code, body, _ = f.call(t, "GET", "/api/sources", tok.Value, "")
	list := body["sources"].([]any)
	if code != 200 || len(list) != 2 || list[0].(map[string]any)["managed"] != "config" {
		t.Errorf("list = %d %v", code, body)
	}
	before, _ := f.st.FeedStates(t.Context(), []store.FeedKey{store.FeedAll})
	code, body, _ = f.call(t, "PUT", "/api/sources/partner-daily", tok.Value, strings.Replace(goodSource, `"comments":true`, `"comments":false,"enabled":false`, 1))
	if after, _ := f.st.FeedStates(t.Context(), []store.FeedKey{store.FeedAll}); after[store.FeedAll].Version <= before[store.FeedAll].Version {
		t.Error("editing a source did not move the feeds' versions (Last-Modified would not move with the bytes)")
	}
	if code != 200 || body["enabled"] != false || body["comments"] != false {
		t.Errorf("replace = %d %v", code, body)
	}
	if n := f.rt.count(); n != 2 {
		t.Errorf("after the edit the runtime took %d sets, want 2", n)
	}
	if last := f.rt.last(); last[1].Enabled {
		t.Error("the disable did not reach the runtime")
	}
	code, body, _ = f.call(t, "POST", "/api/sources/westernjournal/refresh", tok.Value, "")
	if code != 200 || body["status"] != "ok" || body["id"] != "westernjournal" {
		t.Errorf("refresh = %d %v", code, body)
	}
	// Delete removes the source and the articles only it carried.
	_, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: syndicate.SourceRef{ID: "partner-daily", Name: "Partner Daily"}, Now: time.Now(),
		Entries: []*store.Entry{{Key: "k1", Article: &syndicate.Article{Title: "T", CanonicalURL: "https://partner.example/1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := f.call(t, "DELETE", "/api/sources/partner-daily", tok.Value, ""); code != 204 {
		t.Errorf("delete = %d", code)
	}
	if p, _ := f.st.Articles(t.Context(), store.FeedAll, 0, 10); p.Total != 0 {
		t.Errorf("the deleted source's articles remain: %d", p.Total)
	}
	if code, _, _ := f.call(t, "GET", "/api/sources/partner-daily", tok.Value, ""); code != 404 {
		t.Errorf("get after delete = %d", code)
	}
	// Audit lines name the token, never its value.
	logs := f.log.String()
	for _, action := range []string{"source.create", "source.replace", "source.refresh", "source.delete"} {
		if !strings.Contains(logs, "action="+action) {
			t.Errorf("no audit line for %s", action)
		}
	}
	if !strings.Contains(logs, "who=alice") || strings.Contains(logs, tok.Value) {
		t.Errorf("audit must carry the token name and never the token:\n%s", logs)
	}
}

func TestAPI_Errors(t *testing.T) {
	f := newAPI(t, tok)
	if code, _, _ := f.call(t, "POST", "/api/sources", tok.Value, goodSource); code != 201 {
		t.Fatal("setup")
	}
	with := func(field, value string) string {
		var m map[string]any
		json.Unmarshal([]byte(goodSource), &m)
		m["id"] = "fresh"
		var v any
		json.Unmarshal([]byte(value), &v)
		m[field] = v
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct {
		name, method, path, body string
		code                     int
		field                    string
	}{
		{"BadID", "POST", "/api/sources", with("id", `"Not Valid"`), 400, "id"},
		{"NoName", "POST", "/api/sources", with("name", `""`), 400, "name"},
		{"FTPURL", "POST", "/api/sources", with("url", `"ftp://x.example/feed"`), 400, "url"},
		{"FileURLRefused", "POST", "/api/sources", with("url", `"file:/etc/passwd"`), 400, "url"},
		{"NoHost", "POST", "/api/sources", with("url", `"https:///feed"`), 400, "url"},
		{"BadSiteURL", "POST", "/api/sources", with("site_url", `"javascript:alert(1)"`), 400, "site_url"},
		{"PublicFeedURLRelative", "POST", "/api/sources", with("public_feed_url", `"/feed.xml"`), 400, "public_feed_url"},
		{"PublicFeedURLPassword", "POST", "/api/sources", with("public_feed_url", `"https://u:p@partner.example/feed"`), 400, "public_feed_url"},
		{"BadSchedule", "POST", "/api/sources", with("schedule", `"61 * * * *"`), 400, "schedule"},
		{"ScheduleNeverFires", "POST", "/api/sources", with("schedule", `"0 0 30 2 *"`), 400, "schedule"},
		{"TZPanic", "POST", "/api/sources", with("schedule", `"TZ=UTC"`), 400, "schedule"},
		{"BadTemplate", "POST", "/api/sources", with("attribution", `"{{.Nope}}"`), 400, "attribution"},
		{"BadCategory", "POST", "/api/sources", with("categories", `["ok","!!"]`), 400, "categories[1]"},
		{"WrongType", "POST", "/api/sources", with("comments", `"yes"`), 400, "comments"},
		{"UnknownField", "POST", "/api/sources", `{"id":"x","colour":"red"}`, 400, "colour"},
		{"Malformed", "POST", "/api/sources", `{"id":`, 400, "body"},
		{"Empty", "POST", "/api/sources", ``, 400, "body"},
		{"Trailing", "POST", "/api/sources", goodSource + `{}`, 400, "body"},
		{"Duplicate", "POST", "/api/sources", goodSource, 409, "id"},
		{"ConfigIDTaken", "POST", "/api/sources", strings.Replace(goodSource, "partner-daily", "westernjournal", 1), 409, "id"},
		{"ConfigReadOnlyPut", "PUT", "/api/sources/westernjournal", goodSource, 409, ""},
		{"ConfigReadOnlyDelete", "DELETE", "/api/sources/westernjournal", "", 409, ""},
		{"IDMismatch", "PUT", "/api/sources/partner-daily", strings.Replace(goodSource, "partner-daily", "other", 1), 400, "id"},
		{"UnknownGet", "GET", "/api/sources/nope", "", 404, ""},
		{"UnknownPut", "PUT", "/api/sources/nope", strings.Replace(goodSource, "partner-daily", "nope", 1), 404, ""},
		{"UnknownDelete", "DELETE", "/api/sources/nope", "", 404, ""},
		{"UnknownRefresh", "POST", "/api/sources/nope/refresh", "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := f.call(t, tt.method, tt.path, tok.Value, tt.body)
			if code != tt.code {
				t.Fatalf("%s %s = %d %v, want %d", tt.method, tt.path, code, body, tt.code)
			}
			msg, _ := body["error"].(string)
			if msg == "" {
				t.Errorf("no error message: %v", body)
			}
			if tt.field != "" && body["field"] != tt.field {
				t.Errorf("field = %v, want %q (%s)", body["field"], tt.field, msg)
			}
		})
	}
}

func TestAPI_OPMLRoundTrip(t *testing.T) {
	f := newAPI(t, tok)
	for _, body := range []string{
		goodSource,
		`{"id":"second","name":"Second & Co","url":"https://second.example/rss?x=1&y=2","public_feed_url":"https://second.example/rss","attribution":"Via <a href=\"{{.CanonicalURL}}\">{{.SourceName}}</a>","enabled":false,"seo":"noindex"}`,
	} {
		if code, b, _ := f.call(t, "POST", "/api/sources", tok.Value, body); code != 201 {
			t.Fatalf("setup: %d %v", code, b)
		}
	}
	_, body, _ := f.call(t, "GET", "/api/sources.opml", tok.Value, "")
	opml := body["_raw"].(string)
	if !strings.Contains(opml, `xmlUrl="https://second.example/rss?x=1&amp;y=2"`) || !strings.Contains(opml, `syndicate:public_feed_url="https://second.example/rss"`) || !strings.Contains(opml, `syndicate:seo="noindex"`) {
		t.Fatalf("export:\n%s", opml)
	}
	g := newAPI(t, tok) // an empty store
	code, rep, _ := g.call(t, "POST", "/api/sources.opml", tok.Value, opml)
	if code != 201 {
		t.Fatalf("import = %d %v", code, rep)
	}
	// The config source exported by f is a duplicate in g (same config).
	if skipped := rep["skipped"].([]any); len(skipped) != 1 {
		t.Errorf("skipped = %v", skipped)
	}
	_, a, _ := f.call(t, "GET", "/api/sources", tok.Value, "")
	_, b, _ := g.call(t, "GET", "/api/sources", tok.Value, "")
	strip := func(m map[string]any) []any {
		var out []any
		for _, s := range m["sources"].([]any) {
			s := s.(map[string]any)
			delete(s, "status")
			out = append(out, s)
		}
		return out
	}
	ja, _ := json.Marshal(strip(a))
	jb, _ := json.Marshal(strip(b))
	if string(ja) != string(jb) {
		t.Errorf("round trip differs:\n%s\n%s", ja, jb)
	}
}

func TestAPI_OPMLImport(t *testing.T) {
	f := newAPI(t, tok)
	doc := `<?xml version="1.0"?>
<opml version="1.0"><head><title>Reader export</title></head><body>
  <outline text="News">
    <outline text="Politics">
      <outline text="The Daily Bugle" type="rss" xmlUrl="https://bugle.example/feed" htmlUrl="https://bugle.example/"/>
      <outline text="The Daily Bugle" type="rss" xmlUrl="https://bugle2.example/feed"/>
    </outline>
  </outline>
  <outline text="Dup of config" type="rss" xmlUrl="https://www.westernjournal.example/feed/"/>
  <outline text="Same again" type="rss" xmlUrl="https://bugle.example/feed"/>
  <outline text="Local file" type="rss" xmlUrl="file:/etc/passwd"/>
  <outline text="Bad" type="rss" xmlUrl="not a url"/>
</body></opml>`
	code, rep, _ := f.call(t, "POST", "/api/sources.opml", tok.Value, doc)
	if code != 201 {
		t.Fatalf("import = %d %v", code, rep)
	}
	imported := rep["imported"].([]any)
	if len(imported) != 2 || imported[0] != "the-daily-bugle" || imported[1] != "the-daily-bugle-2" {
		t.Errorf("imported = %v", imported)
	}
	if s := rep["skipped"].([]any); len(s) != 2 {
		t.Errorf("skipped = %v", s)
	}
	errs := rep["errors"].([]any)
	if len(errs) != 2 || !strings.Contains(errs[0].(map[string]any)["position"].(string), "outline 5") {
		t.Errorf("errors = %v", errs)
	}
	_, got, _ := f.call(t, "GET", "/api/sources/the-daily-bugle", tok.Value, "")
	if cats := got["categories"].([]any); len(cats) != 2 || cats[0] != "News" || cats[1] != "Politics" {
		t.Errorf("folder categories = %v", cats)
	}
	// A document that does not parse imports nothing.
	code, rep, _ = f.call(t, "POST", "/api/sources.opml", tok.Value, `<opml><body><outline text="x" xmlUrl="https://x.example/feed"/>`)
	if code != 400 || rep["field"] != "body" {
		t.Errorf("broken OPML = %d %v", code, rep)
	}
	if _, err := f.st.Sources(t.Context()); err != nil {
		t.Fatal(err)
	}
	if srcs, _ := f.st.Sources(t.Context()); len(srcs) != 2 {
		t.Errorf("a broken document half-imported: %d sources", len(srcs))
	}
}

func TestAPI_TakeDown(t *testing.T) {
	f := newAPI(t, tok)
	_, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: syndicate.SourceRef{ID: "westernjournal", Name: "WJ"}, Now: time.Now(),
		Entries: []*store.Entry{{Key: "k1", Article: &syndicate.Article{Title: "Retracted", CanonicalURL: "https://wj.example/1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := syndicate.MintArticleID("westernjournal", "k1")
	if code, body, _ := f.call(t, "DELETE", "/api/articles/"+id, tok.Value, ""); code != 204 {
		t.Fatalf("takedown = %d %v", code, body)
	}
	if p, _ := f.st.Articles(t.Context(), store.FeedAll, 0, 10); p.Total != 0 {
		t.Error("the article is still listed")
	}
	if code, _, _ := f.call(t, "DELETE", "/api/articles/"+id, tok.Value, ""); code != 404 {
		t.Errorf("second takedown = %d", code)
	}
	if code, _, _ := f.call(t, "DELETE", "/api/articles/"+id, "", ""); code != 401 {
		t.Errorf("without a token = %d", code)
	}
	if !strings.Contains(f.log.String(), "action=article.takedown") {
		t.Error("no audit line")
	}
}
