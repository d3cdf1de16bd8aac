package httperr_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"syndicate"
	"syndicate/internal/httperr"
)

func TestOf(t *testing.T) {
	wrapped := fmt.Errorf("save: %w", syndicate.FieldError("url", "must be http or https"))
	tests := []struct {
		name   string
		err    error
		public string
		want   httperr.Problem
		logged string // level of the log line, "" for none
	}{
		{"Invalid", wrapped, "", httperr.Problem{Status: 400, Message: "must be http or https", Field: "url"}, ""},
		{"InvalidIgnoresPublic", wrapped, "unavailable", httperr.Problem{Status: 400, Message: "must be http or https", Field: "url"}, ""},
		{"Unauthorized", syndicate.Errorf(syndicate.EUnauthorized, "bad token"), "", httperr.Problem{Status: 401, Message: "bad token"}, ""},
		{"Forbidden", syndicate.Errorf(syndicate.EForbidden, "not yours"), "", httperr.Problem{Status: 403, Message: "not yours"}, ""},
		{"NotFound", syndicate.ErrNotFound, "", httperr.Problem{Status: 404, Message: "not found"}, ""},
		{"Conflict", syndicate.Errorf(syndicate.EConflict, "id exists"), "", httperr.Problem{Status: 409, Message: "id exists"}, ""},
		{"Unavailable", syndicate.Errorf(syndicate.EUnavailable, "the store is away"), "", httperr.Problem{Status: 503, Message: "the store is away"}, "WARN"},
		{"UnavailablePublic", syndicate.Errorf(syndicate.EUnavailable, "the store is away"), "try again shortly", httperr.Problem{Status: 503, Message: "try again shortly"}, "WARN"},
		{"Unknown", errors.New("dial tcp 10.0.0.7:6379: secret detail"), "", httperr.Problem{Status: 500, Message: httperr.Internal}, "ERROR"},
		{"UnknownPublic", errors.New("secret detail"), "this feed is unavailable", httperr.Problem{Status: 500, Message: "this feed is unavailable"}, "ERROR"},
		{"InternalKindHidesMessage", syndicate.Errorf(syndicate.EInternal, "secret detail"), "", httperr.Problem{Status: 500, Message: httperr.Internal}, "ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := httperr.Of(tt.err, tt.public); got != tt.want {
				t.Errorf("Of = %+v, want %+v", got, tt.want)
			}
			if got := httperr.Status(tt.err); got != tt.want.Status {
				t.Errorf("Status = %d, want %d", got, tt.want.Status)
			}
			var buf bytes.Buffer
			httperr.Log(slog.New(slog.NewTextHandler(&buf, nil)), tt.err, "op", "id", "x")
			line := buf.String()
			switch {
			case tt.logged == "" && line != "":
				t.Errorf("logged %q, want nothing", line)
			case tt.logged != "" && (!strings.Contains(line, "level="+tt.logged) || !strings.Contains(line, "id=x") || !strings.Contains(line, tt.err.Error())):
				t.Errorf("logged %q, want a %s line with the detail", line, tt.logged)
			}
		})
	}
	if httperr.Status(nil) != http.StatusOK {
		t.Errorf("Status(nil) = %d", httperr.Status(nil))
	}
}

func TestWriters(t *testing.T) {
	p := httperr.Problem{Status: 400, Message: "must be http or https", Field: "url"}
	rec := httptest.NewRecorder()
	p.JSON(rec)
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 400 || body["error"] != p.Message || body["field"] != "url" || len(body) != 2 ||
		rec.Header().Get("Content-Type") != "application/json; charset=utf-8" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("JSON = %d %v %v", rec.Code, rec.Header(), body)
	}
	rec = httptest.NewRecorder()
	httperr.Problem{Status: 500, Message: httperr.Internal}.JSON(rec)
	if strings.Contains(rec.Body.String(), "field") {
		t.Errorf("JSON without a field = %s", rec.Body)
	}
	rec = httptest.NewRecorder()
	httperr.Problem{Status: 404, Message: "no such feed"}.Text(rec)
	if rec.Code != 404 || rec.Body.String() != "no such feed\n" ||
		rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("Text = %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
}
