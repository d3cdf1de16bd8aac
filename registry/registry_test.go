package registry_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate"
	"syndicate/internal/redistest"
	"syndicate/registry"
	"syndicate/store"
	"syndicate/store/embedded"
)

var cfgSrc = syndicate.Source{ID: "the-wire", Name: "The Wire", URL: "https://wire.example/feed/", Enabled: true, Managed: syndicate.ManagedConfig}

func apiSource(id, name string) syndicate.Source {
	return syndicate.Source{ID: id, Name: name, URL: "https://" + id + ".example/feed/", SiteURL: "https://" + id + ".example/",
		Schedule: "*/10 * * * *", Categories: []string{"Local"}, Enabled: true, Managed: syndicate.ManagedAPI}
}

func openEmbedded(t *testing.T) *embedded.Store {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestValidate(t *testing.T) {
	good := apiSource("partner-daily", "Partner Daily")
	with := func(f func(*syndicate.Source)) syndicate.Source {
		s := good
		f(&s)
		return s
	}
	for _, tc := range []struct {
		name   string
		src    syndicate.Source
		fields []string // the field of each problem, in order
		msg    string   // part of the first problem's message
	}{
		{"good", good, nil, ""},
		{"default schedule", with(func(s *syndicate.Source) { s.Schedule = "" }), nil, ""},
		{"file URL refused", with(func(s *syndicate.Source) { s.URL = "file:/srv/feed.xml" }), []string{"url"}, "file"},
		{"bad schedule", with(func(s *syndicate.Source) { s.Schedule = "every day" }), []string{"schedule"}, ""},
		{"schedule that never fires", with(func(s *syndicate.Source) { s.Schedule = "0 0 30 2 *" }), []string{"schedule"}, "never fires"},
		{"bad id", with(func(s *syndicate.Source) { s.ID = "Bad ID" }), []string{"id"}, "a-z, 0-9"},
		{"every problem at once", with(func(s *syndicate.Source) { s.ID, s.Name, s.URL, s.Schedule = "", " ", "ftp://x.example/", "nope" }),
			[]string{"id", "name", "url", "schedule"}, "is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := registry.Validate(tc.src)
			var fields []string
			for _, e := range errs {
				if e.Kind != syndicate.EInvalid {
					t.Errorf("%v: kind %s, want %s", e, e.Kind, syndicate.EInvalid)
				}
				fields = append(fields, e.Field)
			}
			if !slices.Equal(fields, tc.fields) {
				t.Fatalf("fields %q, want %q (%v)", fields, tc.fields, errs)
			}
			if tc.msg != "" && !strings.Contains(errs[0].Message, tc.msg) {
				t.Errorf("first problem %q does not say %q", errs[0].Message, tc.msg)
			}
		})
	}
}

const managedMsg = `source "the-wire" is managed by the config file (managed: config): edit the file instead; it can still be refreshed`

// The writes refuse what today's API refuses, with the same kinds and
// messages, and store nothing then.
func TestWrites_Refused(t *testing.T) {
	st := openEmbedded(t)
	r := registry.New(registry.Options{Store: st, Config: []syndicate.Source{cfgSrc}})
	ctx := t.Context()
	a := apiSource("partner-daily", "Partner Daily")
	if err := r.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	bad := a
	bad.ID, bad.URL = "other", "file:/srv/feed.xml"
	stale := a
	stale.Name = "Stale"
	for _, tc := range []struct {
		name  string
		err   error
		kind  string
		field string
		msg   string
	}{
		{"create invalid", r.Create(ctx, bad), syndicate.EInvalid, "url", ""},
		{"create a config id", r.Create(ctx, apiSource(cfgSrc.ID, "Mine")), syndicate.EConflict, "id", `source "the-wire" is defined in the config file`},
		{"create a taken id", r.Create(ctx, a), syndicate.EConflict, "id", ""},
		{"replace a config source", r.Replace(ctx, apiSource(cfgSrc.ID, "Mine"), ""), syndicate.EConflict, "", managedMsg},
		{"replace unknown", r.Replace(ctx, apiSource("nobody", "Nobody"), ""), syndicate.ENotFound, "", ""},
		{"replace invalid", r.Replace(ctx, func() syndicate.Source { s := a; s.Name = ""; return s }(), ""), syndicate.EInvalid, "name", ""},
		{"delete a config source", r.Delete(ctx, cfgSrc.ID), syndicate.EConflict, "", managedMsg},
		{"delete unknown", r.Delete(ctx, "nobody"), syndicate.ENotFound, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e *syndicate.Error
			if !errors.As(tc.err, &e) {
				t.Fatalf("error %v, want a %s *syndicate.Error", tc.err, tc.kind)
			}
			if e.Kind != tc.kind || e.Field != tc.field || (tc.msg != "" && e.Message != tc.msg) {
				t.Errorf("got %s %q %q, want %s %q %q", e.Kind, e.Field, e.Message, tc.kind, tc.field, tc.msg)
			}
		})
	}
	if err := r.Replace(ctx, stale, "not-its-version"); !errors.Is(err, store.ErrStaleSource) {
		t.Errorf("replace from a stale version: %v, want store.ErrStaleSource", err)
	}
	got, err := st.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != a.Name {
		t.Errorf("stored %+v, want only %s unchanged", got, a.ID)
	}
}

// A source is stored as an API source whatever it says, and the set puts
// the config file's sources first.
func TestCreate_ManagedByAPI(t *testing.T) {
	st := openEmbedded(t)
	r := registry.New(registry.Options{Store: st, Config: []syndicate.Source{cfgSrc}})
	ctx := t.Context()
	a := apiSource("a-partner", "A Partner")
	a.Managed = syndicate.ManagedConfig
	if err := r.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	all, err := r.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != cfgSrc.ID || all[1].ID != a.ID || all[1].Managed != syndicate.ManagedAPI {
		t.Errorf("All = %+v", all)
	}
	if _, err := r.Find(ctx, "nobody"); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("Find(nobody) = %v, want ENotFound", err)
	}
}

// counter is a consumer that keeps every set it was handed.
type counter struct {
	mu   sync.Mutex
	sets []string
	fail error
}

func (c *counter) take(srcs []syndicate.Source) error {
	var b strings.Builder
	for i, s := range srcs {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(s.ID + "=" + s.Name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sets = append(c.sets, b.String())
	return c.fail
}

func (c *counter) pushed() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sets)
}

// observed is a real store whose change notices are reported on handled
// once the registry's watcher has returned from them.
type observed struct {
	registry.Store
	handled chan []store.FeedKey
}

func (o *observed) Watch(ctx context.Context, fn func([]store.FeedKey)) {
	o.Store.Watch(ctx, func(keys []store.FeedKey) {
		fn(keys)
		o.handled <- keys
	})
}

// settled waits until the registry has handled a SourcesChanged notice.
func (o *observed) settled(t *testing.T) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case keys := <-o.handled:
			if slices.Contains(keys, store.SourcesChanged) {
				return
			}
		case <-timeout:
			t.Fatal("no SourcesChanged notice reached the registry")
		}
	}
}

// Two replicas over one store: whatever replica an edit goes through,
// both hand every changed set to their consumers exactly once (the
// writer's own push and the store's notice of its write are one change),
// and a write that changes nothing in force pushes nothing.
func TestPropagation(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) (registry.Store, registry.Store){
		"embedded": func(t *testing.T) (registry.Store, registry.Store) { st := openEmbedded(t); return st, st },
		"redis": func(t *testing.T) (registry.Store, registry.Store) {
			rs := redistest.Replicas(t, 2)
			return rs[0], rs[1]
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			s1, s2 := open(t)
			o1 := &observed{Store: s1, handled: make(chan []store.FeedKey, 64)}
			o2 := &observed{Store: s2, handled: make(chan []store.FeedKey, 64)}
			r1 := registry.New(registry.Options{Store: o1, Config: []syndicate.Source{cfgSrc}})
			r2 := registry.New(registry.Options{Store: o2, Config: []syndicate.Source{cfgSrc}})
			c1, c2 := &counter{}, &counter{}
			for _, x := range []struct {
				r *registry.Registry
				c *counter
			}{{r1, c1}, {r2, c2}} {
				if err := x.r.Subscribe(x.c.take); err != nil {
					t.Fatal(err)
				}
				x.r.Start(ctx)
				if err := x.r.Reload(ctx); err != nil {
					t.Fatal(err)
				}
			}
			want := []string{"the-wire=The Wire"}
			check := func(step string) {
				t.Helper()
				for i, c := range []*counter{c1, c2} {
					if got := c.pushed(); !slices.Equal(got, want) {
						t.Errorf("%s: replica %d pushed\n%q\nwant\n%q", step, i+1, got, want)
					}
				}
			}
			check("start")
			step := func(name string, write func() error, pushed ...string) {
				t.Helper()
				if err := write(); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				o1.settled(t)
				o2.settled(t)
				want = append(want, pushed...)
				// Pub/sub may deliver one write's notice twice (a reconnect's
				// nil notice, say), so a settled notice may be an older one:
				// wait on further notices until the expected push is seen.
				for i, x := range []struct {
					o *observed
					c *counter
				}{{o1, c1}, {o2, c2}} {
					timeout := time.After(10 * time.Second)
					for !slices.Equal(x.c.pushed(), want) && len(x.c.pushed()) < len(want) {
						select {
						case <-x.o.handled:
						case <-timeout:
							t.Fatalf("%s: replica %d never pushed %q", name, i+1, want[len(want)-1])
						}
					}
				}
				check(name)
			}
			a := apiSource("partner-daily", "Partner Daily")
			step("create on 1", func() error { return r1.Create(ctx, a) }, "the-wire=The Wire,partner-daily=Partner Daily")
			renamed := a
			renamed.Name = "Partner Daily News"
			step("replace on 2", func() error { return r2.Replace(ctx, renamed, a.Version()) }, "the-wire=The Wire,partner-daily=Partner Daily News")
			step("replace with the same on 1", func() error { return r1.Replace(ctx, renamed, "") })
			step("an API source under a config id", func() error { return s1.PutSource(ctx, apiSource(cfgSrc.ID, "Shadow"), true) })
			step("delete on 2", func() error { return r2.Delete(ctx, a.ID) }, "the-wire=The Wire")
			if err := r1.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			check("reload without a change")
			if got := r2.Sources(); len(got) != 1 || got[0].ID != cfgSrc.ID {
				t.Errorf("Sources() = %+v, want the config source only", got)
			}
		})
	}
}

// A consumer that subscribes late takes the set in force at once; a
// failing consumer does not keep the others from taking a set, and its
// error is Reload's.
func TestConsumers(t *testing.T) {
	st := openEmbedded(t)
	r := registry.New(registry.Options{Store: st, Config: []syndicate.Source{cfgSrc}})
	ctx := t.Context()
	failing := &counter{fail: errors.New("bad schedule")}
	early := &counter{}
	if err := r.Subscribe(failing.take); err != nil {
		t.Fatal(err)
	}
	if err := r.Subscribe(early.take); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(ctx); !errors.Is(err, failing.fail) {
		t.Errorf("Reload = %v, want the consumer's error", err)
	}
	late := &counter{}
	if err := r.Subscribe(late.take); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*counter{"failing": failing, "early": early, "late": late} {
		if got := c.pushed(); !slices.Equal(got, []string{"the-wire=The Wire"}) {
			t.Errorf("%s consumer took %q", name, got)
		}
	}
}
