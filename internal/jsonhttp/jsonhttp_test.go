package jsonhttp_test

import (
	"testing"

	"syndicate/internal/jsonhttp"
)

func TestDuplicateKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"id":"a","name":"n"}`, ""},
		{`{"id":"a","id":"b"}`, "id"},
		{`{"a":{"x":1,"y":{"z":1,"z":2}}}`, "a.y.z"},
		{`{"sources":[{"id":"a"},{"id":"b","id":"c"}]}`, "sources[1].id"},
		{`[{"k":1},{"k":1}]`, ""},
		{`{"a":[1,{"b":[{"c":1}]}],"a":2}`, "a"},
		{`{"a":{"k":1},"b":{"k":1}}`, ""},
		{`{"\u0069d":"a","id":"b"}`, "id"}, // the same key, escaped once
		{`"s"`, ""},
		{`{}`, ""},
		{`{"a":1`, ""}, // broken JSON: the decoder's to report
	} {
		if got := jsonhttp.DuplicateKey([]byte(tc.in)); got != tc.want {
			t.Errorf("DuplicateKey(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
