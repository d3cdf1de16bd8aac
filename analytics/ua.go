package analytics

import "strings"

// maxSubscribers bounds a reported count: a larger number is not a feed
// reader's report but noise, and is ignored.
const maxSubscribers = 1_000_000_000

// knownAggregators names the feed readers that report subscribers, by a
// lower-case mark their User-Agent carries (several put their name after
// "Mozilla/5.0 (compatible;", so the first token would not do).
var knownAggregators = []struct{ mark, name string }{
	{"feedly", "Feedly"},
	{"inoreader", "Inoreader"},
	{"newsblur", "NewsBlur"},
	{"theoldreader", "The Old Reader"},
	{"feedbin", "Feedbin"},
	{"bazqux", "BazQux"},
	{"feedhq", "FeedHQ"},
	{"feedwrangler", "Feed Wrangler"},
	{"netvibes", "Netvibes"},
	{"tiny tiny rss", "Tiny Tiny RSS"},
	{"miniflux", "Miniflux"},
	{"bloglovin", "Bloglovin"},
}

// ParseSubscribers reads the subscriber count a feed reader reports in
// its User-Agent, by the convention "N subscribers" (or "N readers",
// singular too), e.g. "Feedly/1.0 (+http://www.feedly.com/fetcher.html;
// 42 subscribers; feed-id=...)". It returns the aggregator's name (a known
// reader's, else the User-Agent's product token) and the count; ok is
// false when the User-Agent reports none. It does not allocate when there
// is no report.
func ParseSubscribers(ua string) (name string, n int64, ok bool) {
	n, ok = reportedCount(ua, "ubscriber", 's', 'S')
	if !ok {
		n, ok = reportedCount(ua, "eader", 'r', 'R')
	}
	if !ok {
		return "", 0, false
	}
	return aggregatorName(ua), n, true
}

// reportedCount finds "<digits> " before word (whose first letter, lower or
// upper, is one of first) anywhere in ua.
func reportedCount(ua, rest string, lower, upper byte) (int64, bool) {
	for from := 0; ; {
		i := strings.Index(ua[from:], rest)
		if i < 0 {
			return 0, false
		}
		i += from
		from = i + len(rest)
		// ua[i-1] is the word's first letter, ua[i-2] a space, digits before.
		if i < 3 || (ua[i-1] != lower && ua[i-1] != upper) || ua[i-2] != ' ' {
			continue
		}
		end := i - 2
		start := end
		for start > 0 && ua[start-1] >= '0' && ua[start-1] <= '9' {
			start--
		}
		if start == end || end-start > 10 || (start > 0 && isWordByte(ua[start-1])) {
			continue
		}
		var n int64
		for _, c := range []byte(ua[start:end]) {
			n = n*10 + int64(c-'0')
		}
		if n > maxSubscribers {
			continue
		}
		return n, true
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// aggregatorName names the reader that sent ua: a known one, else the
// product token (up to the first '/', ' ' or ';'), cut to 32 letters,
// digits, dots and dashes, or "other".
func aggregatorName(ua string) string {
	lower := strings.ToLower(ua)
	for _, k := range knownAggregators {
		if strings.Contains(lower, k.mark) {
			return k.name
		}
	}
	tok := ua
	if i := strings.IndexAny(tok, "/ ;("); i >= 0 {
		tok = tok[:i]
	}
	var b strings.Builder
	for _, c := range []byte(tok) {
		if b.Len() == 32 {
			break
		}
		if isWordByte(c) || c == '.' || c == '-' {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "other"
	}
	return b.String()
}
