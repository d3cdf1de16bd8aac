package comments_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/comments"
	"syndicate/store"
	"syndicate/store/embedded"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

type fixture struct {
	st          *embedded.Store
	svc         *comments.Service
	srv         *httptest.Server
	aid, oldAid string
	mk          func(key string, published time.Time) string
}

func (f *fixture) article(t *testing.T, key string, published time.Time) string {
	t.Helper()
	return f.mk(key, published)
}

func newFixture(t *testing.T, mod func(*comments.Options, *comments.HandlerOptions)) *fixture {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mk := func(key string, published time.Time) string {
		a := &syndicate.Article{GUID: key, CanonicalURL: "https://p.example/" + key, Title: key, Published: published, Updated: published}
		a.Hash = a.ContentHash()
		_, err := st.ApplyIngest(t.Context(), &store.Batch{Source: syndicate.SourceRef{ID: "p", Name: "P"}, Now: published, Entries: []*store.Entry{{Key: key, Article: a}}})
		if err != nil {
			t.Fatal(err)
		}
		return syndicate.MintArticleID("p", key)
	}
	f := &fixture{st: st, aid: mk("fresh", now.Add(-time.Hour)), oldAid: mk("old", now.Add(-40*24*time.Hour)), mk: mk}
	opts := comments.Options{Store: st, AutoApprove: "known", MaxLength: 200, MaxAuthorLength: 100, MaxLinks: 2, MaxDepth: 2,
		RateLimit: 3, RateWindow: 10 * time.Minute, CloseAfter: 30 * 24 * time.Hour, Now: func() time.Time { return now }}
	hopts := comments.HandlerOptions{BaseURL: "https://news.example", AllowedOrigins: []string{"https://blog.example"}, Honeypot: "homepage", MaxBodyBytes: 4096}
	if mod != nil {
		mod(&opts, &hopts)
	}
	f.svc = comments.NewService(opts)
	mux := http.NewServeMux()
	comments.NewHandler(f.svc, hopts).Routes(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) post(t *testing.T, aid string, body map[string]any, hdr ...string) (*http.Response, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", f.srv.URL+"/articles/"+aid+"/comments", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp, out
}

func good() map[string]any {
	return map[string]any{"author": "Ann Reader", "email": "ann@example.com", "url": "https://ann.example/", "body": "Great piece.\n\nThanks!"}
}

func with(k string, v any) map[string]any {
	m := good()
	if v == nil {
		delete(m, k)
	} else {
		m[k] = v
	}
	return m
}

func TestSubmit_Validation(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"NoAuthor", with("author", nil), "author"},
		{"LongAuthor", with("author", strings.Repeat("a", 101)), "author"},
		{"TagOnlyAuthor", with("author", "<b></b>"), "author"},
		{"NoEmail", with("email", nil), "email"},
		{"BadEmail", with("email", "ann@"), "email"},
		{"EmailWithName", with("email", "Ann <ann@example.com>"), "email"},
		{"BadURL", with("url", "javascript:alert(1)"), "url"},
		// A 60 KB homepage was published in the page and every comment
		// feed, and a 60 KB address stored and echoed in the error.
		{"LongURL", with("url", "https://a.example/"+strings.Repeat("a", comments.MaxURLLength)), "url"},
		{"LongEmail", with("email", strings.Repeat("a", 250)+"@b.example"), "email"},
		{"NoBody", with("body", "   "), "body"},
		{"LongBody", with("body", strings.Repeat("x", 201)), "body"},
		{"TooManyLinks", with("body", "see https://a.example https://b.example and www.c.example"), "body"},
		{"BadParent", with("parent_id", "../x"), "parent_id"},
		{"UnknownParent", with("parent_id", "cdoesnotexist"), "parent_id"},
		{"NotAString", with("body", 42), "body"},
		{"Honeypot", with("homepage", "http://spam.example"), "homepage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := f.post(t, f.aid, tt.body)
			if resp.StatusCode != 400 || out["field"] != tt.field || out["error"] == "" {
				t.Errorf("= %d %v, want 400 on %s", resp.StatusCode, out, tt.field)
			}
		})
	}
	if p, _ := f.st.CommentsByStatus(t.Context(), syndicate.StatusPending, 0, 10); p.Total != 0 {
		t.Errorf("rejected submissions were stored: %d", p.Total)
	}
}

func TestSubmit_StoredAndModerated(t *testing.T) {
	f := newFixture(t, func(o *comments.Options, _ *comments.HandlerOptions) { o.RateLimit = 100 })
	ctx := t.Context()
	resp, out := f.post(t, f.aid, with("body", `<p>Great <script>alert(1)</script><a href="https://x.example" onclick="x()">piece</a></p>`))
	if resp.StatusCode != 201 || out["status"] != "pending" || out["id"] == "" {
		t.Fatalf("submit = %d %v", resp.StatusCode, out)
	}
	raw, _ := json.Marshal(out)
	if strings.Contains(string(raw), "ann@example.com") || strings.Contains(string(raw), "127.0.0.1") {
		t.Errorf("the response leaks the e-mail or IP: %s", raw)
	}
	content := out["content"].(string)
	if strings.Contains(content, "script") || strings.Contains(content, "onclick") || !strings.Contains(content, `rel="nofollow"`) {
		t.Errorf("content not sanitized: %s", content)
	}
	id := out["id"].(string)
	if p, _ := f.st.Comments(ctx, store.ArticleCommentsFeed(f.aid), 0, 10); p.Total != 0 {
		t.Error("a pending comment is published")
	}
	c, _ := f.st.Comment(ctx, id)
	if c.IP != "127.0.0.1" || c.Author.Email != "ann@example.com" {
		t.Errorf("stored = %+v", c)
	}
	if _, err := f.svc.SetStatus(ctx, "editor", id, syndicate.StatusApproved); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.st.Comments(ctx, store.ArticleCommentsFeed(f.aid), 0, 10); p.Total != 1 {
		t.Error("an approved comment is not published")
	}
	// The same e-mail under another name is not trusted.
	_, out = f.post(t, f.aid, with("author", "Impostor"))
	if out["status"] != "pending" {
		t.Errorf("a known e-mail under another name = %v", out["status"])
	}
	// A comment nobody can see takes no replies: a reply published under
	// a held comment would point every feed's in-reply-to at it.
	if resp, out := f.post(t, f.aid, with("parent_id", out["id"])); resp.StatusCode != 400 || out["field"] != "parent_id" {
		t.Errorf("reply to a pending comment = %d %v, want 400 on parent_id", resp.StatusCode, out)
	}
	// Known now: the next comment by Ann is approved at once.
	_, out = f.post(t, f.aid, with("parent_id", id))
	if out["status"] != "approved" || out["parent_id"] != id {
		t.Errorf("known commenter's reply = %v", out)
	}
	reply := out["id"].(string)
	// Reply to a reply, then too deep (max_depth 2).
	_, out = f.post(t, f.aid, with("parent_id", reply))
	deeper := out["id"].(string)
	if resp, out := f.post(t, f.aid, with("parent_id", deeper)); resp.StatusCode != 400 || out["field"] != "parent_id" {
		t.Errorf("too deep = %d %v", resp.StatusCode, out)
	}
	// A parent from another (open) article is refused.
	other := f.article(t, "other", now.Add(-2*time.Hour))
	if resp, out := f.post(t, other, with("parent_id", id)); resp.StatusCode != 400 || out["field"] != "parent_id" {
		t.Errorf("foreign parent = %d %v, want 400 on parent_id", resp.StatusCode, out)
	}
	if _, err := f.svc.SetStatus(ctx, "editor", reply, syndicate.StatusSpam); err != nil {
		t.Fatal(err)
	}
	if resp, out := f.post(t, f.aid, with("parent_id", reply)); resp.StatusCode != 400 || out["field"] != "parent_id" {
		t.Errorf("reply to a spam comment = %d %v, want 400 on parent_id", resp.StatusCode, out)
	}
	p, _ := f.st.Comments(ctx, store.ArticleCommentsFeed(f.aid), 0, 10)
	if p.Total != 2 {
		t.Errorf("after spam: %d published, want 2", p.Total)
	}
	if list, err := f.svc.List(ctx, syndicate.StatusSpam, 0, 10); err != nil || list.Total != 1 {
		t.Errorf("spam list = %+v %v", list, err)
	}
	if _, err := f.svc.List(ctx, "bogus", 0, 10); syndicate.ErrorKind(err) != syndicate.EInvalid {
		t.Errorf("bogus status = %v", err)
	}
	if err := f.svc.Delete(ctx, "editor", deeper); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.st.Article(ctx, f.aid); v.CommentCount != 1 {
		t.Errorf("comment count = %d, want 1", v.CommentCount)
	}
}

func TestSubmit_AbuseControls(t *testing.T) {
	t.Run("UnknownArticle", func(t *testing.T) {
		f := newFixture(t, nil)
		if resp, _ := f.post(t, "nope", good()); resp.StatusCode != 404 {
			t.Errorf("= %d", resp.StatusCode)
		}
	})
	t.Run("Closed", func(t *testing.T) {
		f := newFixture(t, nil)
		resp, out := f.post(t, f.oldAid, good())
		if resp.StatusCode != 403 || !strings.Contains(out["error"].(string), "closed") {
			t.Errorf("= %d %v", resp.StatusCode, out)
		}
	})
	t.Run("RateLimit", func(t *testing.T) {
		f := newFixture(t, nil)
		for i := range 3 {
			if resp, out := f.post(t, f.aid, good()); resp.StatusCode != 201 {
				t.Fatalf("comment %d = %d %v", i, resp.StatusCode, out)
			}
		}
		resp, _ := f.post(t, f.aid, good())
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "600" {
			t.Errorf("4th = %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
	t.Run("TrustedProxy", func(t *testing.T) {
		f := newFixture(t, func(_ *comments.Options, h *comments.HandlerOptions) {
			h.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		})
		for i := range 4 {
			// A different client each time behind the proxy: no limit.
			ip := "198.51.100." + string(rune('1'+i))
			if resp, _ := f.post(t, f.aid, good(), "X-Forwarded-For", "203.0.113.9, "+ip); resp.StatusCode != 201 {
				t.Fatalf("client %s = %d", ip, resp.StatusCode)
			}
		}
		p, _ := f.st.CommentsByStatus(t.Context(), syndicate.StatusPending, 0, 10)
		ips := map[string]bool{}
		for _, c := range p.Items {
			ips[c.IP] = true
		}
		if len(ips) != 4 || !ips["198.51.100.4"] || ips["203.0.113.9"] {
			t.Errorf("IPs = %v, want each rightmost untrusted hop", ips)
		}
	})
	t.Run("UntrustedXFFIgnored", func(t *testing.T) {
		f := newFixture(t, nil)
		f.post(t, f.aid, good(), "X-Forwarded-For", "198.51.100.1")
		p, _ := f.st.CommentsByStatus(t.Context(), syndicate.StatusPending, 0, 1)
		if p.Items[0].IP != "127.0.0.1" {
			t.Errorf("IP = %q: X-Forwarded-For trusted by default", p.Items[0].IP)
		}
	})
	t.Run("TooLarge", func(t *testing.T) {
		f := newFixture(t, nil)
		if resp, _ := f.post(t, f.aid, with("body", strings.Repeat("x", 5000))); resp.StatusCode != 413 {
			t.Errorf("= %d, want 413", resp.StatusCode)
		}
	})
	t.Run("CrossOrigin", func(t *testing.T) {
		f := newFixture(t, nil)
		if resp, _ := f.post(t, f.aid, good(), "Origin", "https://evil.example"); resp.StatusCode != 403 {
			t.Errorf("foreign origin = %d", resp.StatusCode)
		}
		resp, _ := f.post(t, f.aid, good(), "Origin", "https://blog.example")
		if resp.StatusCode != 201 || resp.Header.Get("Access-Control-Allow-Origin") != "https://blog.example" {
			t.Errorf("allowed origin = %d %v", resp.StatusCode, resp.Header)
		}
	})
}

func TestSubmit_Form(t *testing.T) {
	f := newFixture(t, nil)
	form := url.Values{"author": {"Bo"}, "email": {"bo@example.com"}, "body": {"Hello <b>there</b>"}, "redirect": {"https://news.example/s/1"}}
	resp, err := http.DefaultTransport.RoundTrip(mustReq("POST", f.srv.URL+"/articles/"+f.aid+"/comments", form))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "https://news.example/s/1#comment-c") {
		t.Errorf("form post = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	form.Set("redirect", "https://evil.example/")
	resp, _ = http.DefaultTransport.RoundTrip(mustReq("POST", f.srv.URL+"/articles/"+f.aid+"/comments", form))
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("open redirect followed: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func mustReq(method, u string, form url.Values) *http.Request {
	req, _ := http.NewRequest(method, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// The republishing clock: comments close counting from first_seen, so a
// partner article from years ago republished today is open, and one this
// site republished long ago is closed whatever its partner date.
func TestSubmit_CloseAfterCountsFromFirstSeen(t *testing.T) {
	f := newFixture(t, nil)
	put := func(key string, published, firstSeen time.Time) string {
		a := &syndicate.Article{GUID: key, CanonicalURL: "https://p.example/" + key, Title: key, Published: published, Updated: published}
		a.Hash = a.ContentHash()
		if _, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: syndicate.SourceRef{ID: "p", Name: "P"}, Now: firstSeen, Entries: []*store.Entry{{Key: key, Article: a}}}); err != nil {
			t.Fatal(err)
		}
		return syndicate.MintArticleID("p", key)
	}
	seed := time.Date(2022, 3, 14, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name                 string
		published, firstSeen time.Time
		want                 int
	}{
		{"partner date 2022, republished an hour ago", seed, now.Add(-time.Hour), 201},
		{"partner date 2022, republished 29 days ago", seed, now.Add(-29 * 24 * time.Hour), 201},
		{"partner date yesterday, republished 31 days ago", now.Add(-24 * time.Hour), now.Add(-31 * 24 * time.Hour), 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			aid := put(strings.ReplaceAll(tc.name, " ", "-"), tc.published, tc.firstSeen)
			if resp, out := f.post(t, aid, good()); resp.StatusCode != tc.want {
				t.Errorf("POST = %d %v, want %d", resp.StatusCode, out, tc.want)
			}
		})
	}
}
