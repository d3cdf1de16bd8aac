package analytics

import "testing"

func TestParseSubscribers(t *testing.T) {
	tests := []struct {
		ua   string
		name string
		n    int64
		ok   bool
	}{
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; feed-id=abc123)", "Feedly", 42, true},
		{"Mozilla/5.0 (compatible; inoreader.com; 12 subscribers)", "Inoreader", 12, true},
		{"NewsBlur Feed Fetcher - 3 subscribers - http://www.newsblur.com/site/1/x (Mozilla/5.0)", "NewsBlur", 3, true},
		{"Mozilla/5.0 (compatible; theoldreader.com; 7 subscribers; feed-id=99)", "The Old Reader", 7, true},
		{"Feedbin feed-id:1234 - 1 subscriber", "Feedbin", 1, true},
		{"Bloglovin/1.0 (rv:1; 250 readers)", "Bloglovin", 250, true},
		{"SomeReader/2.1 (5 Readers)", "SomeReader", 5, true},
		{"Fetcher (0 subscribers)", "Fetcher", 0, true},
		// No report.
		{"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "", 0, false},
		{"Mozilla/5.0 (compatible; inoreader.com)", "", 0, false},
		{"", "", 0, false},
		{"subscribers", "", 0, false},
		{"x 12subscribers", "", 0, false},
		{"feed-id:a12 subscribers", "", 0, false},          // digits glued to a word
		{"Bot (99999999999 subscribers)", "", 0, false},    // absurd
		{"Bot (12 unsubscribers)", "", 0, false},           // another word
		{"Bot (a subscribers; 8 readers)", "Bot", 8, true}, // the first valid report
		// Hostile names are cut to a bounded, plain token.
		{"<script>alert(1)</script>/1 (3 subscribers)", "scriptalert", 3, true},
		{"  (3 subscribers)", "other", 3, true},
	}
	for _, tt := range tests {
		name, n, ok := ParseSubscribers(tt.ua)
		if name != tt.name || n != tt.n || ok != tt.ok {
			t.Errorf("ParseSubscribers(%q) = %q, %d, %v; want %q, %d, %v", tt.ua, name, n, ok, tt.name, tt.n, tt.ok)
		}
	}
}

func FuzzParseSubscribers(f *testing.F) {
	f.Add("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; feed-id=abc)")
	f.Add("x 1 readers")
	f.Fuzz(func(t *testing.T, ua string) {
		name, n, ok := ParseSubscribers(ua)
		if !ok {
			if name != "" || n != 0 {
				t.Fatalf("no report but %q, %d", name, n)
			}
			return
		}
		if n < 0 || n > maxSubscribers || name == "" || len(name) > 32 {
			t.Fatalf("ParseSubscribers(%q) = %q, %d", ua, name, n)
		}
	})
}

func TestParseSubscribers_NoAllocation(t *testing.T) {
	ua := "Mozilla/5.0 (X11; Linux x86_64; reader mode) Firefox/120.0"
	if n := testing.AllocsPerRun(100, func() { ParseSubscribers(ua) }); n != 0 {
		t.Errorf("ParseSubscribers allocates %v times per call on a User-Agent without a report", n)
	}
}
