package feeds

import (
	"net/url"
	"testing"
)

// FuzzReadQuery: the partner feeds' query reader agrees with net/url on
// the first key, limit and page of every query net/url accepts, and never
// panics on any other.
func FuzzReadQuery(f *testing.F) {
	for _, s := range []string{"", "key=abc", "limit=2&page=3&key=a%2Bb", "key=a+b&key=second", "utm=x&&key=&page=1", "key=%zz", "=&==", "ke%79=abc", "k+ey=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q := readQuery(raw)
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for name, got := range map[string]string{"key": q.key, "limit": q.limit, "page": q.page} {
			want := ""
			for _, x := range v[name] {
				if x != "" {
					want = x
					break
				}
			}
			if got != want {
				t.Errorf("readQuery(%q).%s = %q, net/url's first non-empty = %q", raw, name, got, want)
			}
		}
	})
}
