package syndicate_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"syndicate"
)

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Politics", "politics"},
		{"Économie & Finances", "economie-finances"},
		{"  U.S. News  ", "u-s-news"},
		{"São Paulo", "sao-paulo"},
		{"---", ""},
		{"日本", "日本"},
		{"Covid-19", "covid-19"},
		{"Россия и мир", "россия-и-мир"},
		{"Ελλάδα", "ελλάδα"},
		{"हिन्दी समाचार", "हिन्दी-समाचार"},
		{"العربية", "العربية"},
		{"한국 뉴스", "한국-뉴스"},
		{"ニュース・速報", "ニュース-速報"},
		{"Straße", "strasse"},
		{"Ｔｅｃｈ", "tech"},
		{"Œuvres d’art", "oeuvres-d-art"},
		{"🙂", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := syndicate.Slug(tt.in); got != tt.want {
				t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMintArticleID(t *testing.T) {
	a := syndicate.MintArticleID("westernjournal", "https://x.example/?p=1")
	if a != syndicate.MintArticleID("westernjournal", "https://x.example/?p=1") {
		t.Error("not stable")
	}
	if a == syndicate.MintArticleID("other", "https://x.example/?p=1") || a == syndicate.MintArticleID("westernjournal", "https://x.example/?p=2") {
		t.Error("collides")
	}
	if !strings.HasPrefix(a, "westernjournal-") || strings.ContainsAny(a, "/?#%+= ") {
		t.Errorf("id %q is not URL-safe", a)
	}
}

func TestIsAbsoluteIRI(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"https://a.example/p/1", true},
		{"http://a.example/?p=1", true},
		{"tag:a.example,2026:1", true},
		{"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", true},
		{"42", false},
		{"/relative", false},
		{"https:///nohost", false},
		{"javascript:alert(1)", false},
		{"https://a.example/with space", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := syndicate.IsAbsoluteIRI(tt.in); got != tt.want {
			t.Errorf("IsAbsoluteIRI(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSource_Validate(t *testing.T) {
	ok := syndicate.Source{ID: "wj", Name: "WJ", URL: "https://wj.example/feed/", SiteURL: "https://wj.example/"}
	tests := []struct {
		name      string
		mod       func(*syndicate.Source)
		allowFile bool
		field     string
	}{
		{"OK", func(*syndicate.Source) {}, false, ""},
		{"BadID", func(s *syndicate.Source) { s.ID = "Bad_ID" }, false, "id"},
		{"DashEdge", func(s *syndicate.Source) { s.ID = "-a" }, false, "id"},
		{"NoName", func(s *syndicate.Source) { s.Name = " " }, false, "name"},
		{"FTP", func(s *syndicate.Source) { s.URL = "ftp://wj.example/feed" }, false, "url"},
		{"NoHost", func(s *syndicate.Source) { s.URL = "https:///feed" }, false, "url"},
		{"QuoteInURL", func(s *syndicate.Source) { s.URL = `https://wj.example/"feed"` }, false, "url"},
		{"FileRefused", func(s *syndicate.Source) { s.URL = "file:feeds/a.xml" }, false, "url"},
		{"FileAllowed", func(s *syndicate.Source) { s.URL = "file:feeds/a.xml" }, true, ""},
		{"FileNeedsSite", func(s *syndicate.Source) { s.URL = "file:/a.xml"; s.SiteURL = "" }, true, "site_url"},
		{"BadTemplate", func(s *syndicate.Source) { s.Attribution = "{{.Nope}}" }, false, "attribution"},
		{"UnclosedTemplate", func(s *syndicate.Source) { s.Attribution = "{{.SourceName" }, false, "attribution"},
		{"EmptyCategory", func(s *syndicate.Source) { s.Categories = []string{"ok", "!!"} }, false, "categories[1]"},
		{"LongestName", func(s *syndicate.Source) { s.Name = strings.Repeat("é", syndicate.MaxSourceName) }, false, ""},
		{"LongName", func(s *syndicate.Source) { s.Name = strings.Repeat("é", syndicate.MaxSourceName+1) }, false, "name"},
		{"LongURL", func(s *syndicate.Source) { s.URL = "https://wj.example/" + strings.Repeat("a", syndicate.MaxSourceURL) }, false, "url"},
		{"LongSiteURL", func(s *syndicate.Source) {
			s.SiteURL = "https://wj.example/" + strings.Repeat("a", syndicate.MaxSourceURL)
		}, false, "site_url"},
		{"LongPublicFeed", func(s *syndicate.Source) {
			s.PublicFeed = "https://wj.example/" + strings.Repeat("a", syndicate.MaxSourceURL)
		}, false, "public_feed_url"},
		{"LongAttribution", func(s *syndicate.Source) { s.Attribution = strings.Repeat("a", syndicate.MaxAttribution+1) }, false, "attribution"},
		{"ManyCategories", func(s *syndicate.Source) {
			s.Categories = make([]string, syndicate.MaxSourceCategories+1)
			for i := range s.Categories {
				s.Categories[i] = "c" + strconv.Itoa(i)
			}
		}, false, "categories"},
		{"LongCategory", func(s *syndicate.Source) {
			s.Categories = []string{"ok", strings.Repeat("x", syndicate.MaxCategoryName+1)}
		}, false, "categories[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.mod(&s)
			errs := s.Validate(tt.allowFile)
			if tt.field == "" {
				if len(errs) != 0 {
					t.Errorf("Validate = %v, want no errors", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tt.field || errs[0].Kind != syndicate.EInvalid {
				t.Errorf("Validate = %v, want one error on %s", errs, tt.field)
			}
		})
	}
}

func TestFilePath(t *testing.T) {
	for in, want := range map[string]string{"file:rel/a.xml": "rel/a.xml", "file:/abs/a.xml": "/abs/a.xml", "file:///abs/a.xml": "/abs/a.xml", "file://host/a.xml": "", "file:/a%20b.xml": "/a b.xml"} {
		if got := syndicate.FilePath(in); got != want {
			t.Errorf("FilePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestArticle_ContentHash(t *testing.T) {
	base := syndicate.Article{Title: "T", Content: "<p>c</p>", CanonicalURL: "https://a.example/1", Published: time.Unix(0, 0)}
	h := base.ContentHash()
	same := base
	same.Categories = []string{"x"} // categories do not count
	if same.ContentHash() != h {
		t.Error("categories changed the hash")
	}
	for name, mod := range map[string]func(*syndicate.Article){
		"Title":     func(a *syndicate.Article) { a.Title = "U" },
		"Content":   func(a *syndicate.Article) { a.Content = "<p>d</p>" },
		"Link":      func(a *syndicate.Article) { a.CanonicalURL = "https://a.example/2" },
		"Published": func(a *syndicate.Article) { a.Published = time.Unix(60, 0) },
		"Author":    func(a *syndicate.Article) { a.Authors = []syndicate.Author{{Name: "x"}} },
		"Enclosure": func(a *syndicate.Article) { a.Enclosures = []syndicate.Enclosure{{URL: "https://a.example/x.mp3"}} },
		// Field boundaries are length-prefixed: moving text between
		// fields changes the hash.
		"Boundary": func(a *syndicate.Article) { a.Title = "T<p>c"; a.Content = "</p>" },
	} {
		a := base
		mod(&a)
		if a.ContentHash() == h {
			t.Errorf("%s change kept the hash", name)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	err := syndicate.Errorf(syndicate.ENotFound, "article %q not found", "x")
	wrapped := errors.Join(errors.New("ctx"), err)
	if !errors.Is(wrapped, syndicate.ErrNotFound) || syndicate.ErrorKind(wrapped) != syndicate.ENotFound {
		t.Errorf("kind lost through wrapping: %v", wrapped)
	}
	if syndicate.ErrorKind(errors.New("boom")) != syndicate.EInternal || syndicate.ErrorMessage(errors.New("secret detail")) != "internal error" {
		t.Error("unknown errors must be internal with a bland message")
	}
	if syndicate.ErrorKind(nil) != "" {
		t.Error("nil has a kind")
	}
}

func TestParseAttribution(t *testing.T) {
	tpl, err := syndicate.ParseAttribution(syndicate.DefaultAttribution)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	tpl.Execute(&b, syndicate.AttributionData{SourceName: `AT&T <News>`, CanonicalURL: `https://a.example/?q="x"&y=1`})
	want := `A previous version of this article was published on <a href="https://a.example/?q=%22x%22&amp;y=1">AT&amp;T &lt;News&gt;</a>.`
	if b.String() != want {
		t.Errorf("got  %s\nwant %s", b.String(), want)
	}
}

func TestSource_CredentialsNeverPublished(t *testing.T) {
	s := syndicate.Source{ID: "p", Name: "P", URL: "https://user:s3cret@partner.example/feed?x=1", SiteURL: "https://partner.example/"}
	// A password or a query (it may be an API key): the site URL stands in.
	if got := s.PublicFeedURL(); got != "https://partner.example/" {
		t.Errorf("PublicFeedURL = %q", got)
	}
	if ref := s.Ref(); strings.Contains(ref.FeedURL, "s3cret") {
		t.Errorf("Ref().FeedURL = %q", ref.FeedURL)
	}
	if got := syndicate.RedactURL(s.URL); strings.Contains(got, "s3cret") || !strings.Contains(got, "user:xxxxx@") {
		t.Errorf("RedactURL = %q", got)
	}
	for in, want := range map[string]string{
		"https://p.example/feed?api_key=K3Y&format=rss": "https://p.example/feed?api_key=xxxxx&format=xxxxx",
		"https://u:pw@p.example/feed?key=K3Y":           "https://u:xxxxx@p.example/feed?key=xxxxx",
		"https://p.example/feed?flag":                   "https://p.example/feed?flag",
		"https://p.example/feed/":                       "https://p.example/feed/",
	} {
		if got := syndicate.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
