package registry

import (
	"slices"
	"testing"

	"syndicate"
)

func TestMerge(t *testing.T) {
	cfg := func(id string) syndicate.Source {
		return syndicate.Source{ID: id, Name: "config " + id, Managed: syndicate.ManagedConfig}
	}
	api := func(id string) syndicate.Source {
		return syndicate.Source{ID: id, Name: "api " + id, Managed: syndicate.ManagedAPI}
	}
	for _, tc := range []struct {
		name     string
		cfg, api []syndicate.Source
		want     []string // name of each source, in order
	}{
		{"nothing", nil, nil, []string{}},
		{"config only, in file order", []syndicate.Source{cfg("b"), cfg("a")}, nil, []string{"config b", "config a"}},
		{"api only, in store order", nil, []syndicate.Source{api("a"), api("b")}, []string{"api a", "api b"}},
		{"config first, then api", []syndicate.Source{cfg("z")}, []syndicate.Source{api("a"), api("m")}, []string{"config z", "api a", "api m"}},
		{"config wins a clash", []syndicate.Source{cfg("b"), cfg("a")}, []syndicate.Source{api("a"), api("c")}, []string{"config b", "config a", "api c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := []string{}
			for _, s := range merge(tc.cfg, tc.api) {
				got = append(got, s.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("merge = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSameSet(t *testing.T) {
	a := syndicate.Source{ID: "a", Name: "A", Categories: []string{"World"}, Managed: syndicate.ManagedAPI}
	b := syndicate.Source{ID: "b", Name: "B", Managed: syndicate.ManagedConfig}
	with := func(f func(*syndicate.Source)) syndicate.Source {
		c := a
		c.Categories = slices.Clone(a.Categories)
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name string
		x, y []syndicate.Source
		same bool
	}{
		{"both empty", nil, []syndicate.Source{}, true},
		{"equal", []syndicate.Source{a, b}, []syndicate.Source{with(func(*syndicate.Source) {}), b}, true},
		{"other order", []syndicate.Source{a, b}, []syndicate.Source{b, a}, false},
		{"one more", []syndicate.Source{a}, []syndicate.Source{a, b}, false},
		{"renamed", []syndicate.Source{a}, []syndicate.Source{with(func(s *syndicate.Source) { s.Name = "A2" })}, false},
		{"other category", []syndicate.Source{a}, []syndicate.Source{with(func(s *syndicate.Source) { s.Categories[0] = "Local" })}, false},
		{"other manager", []syndicate.Source{a}, []syndicate.Source{with(func(s *syndicate.Source) { s.Managed = syndicate.ManagedConfig })}, false},
		{"enabled", []syndicate.Source{a}, []syndicate.Source{with(func(s *syndicate.Source) { s.Enabled = true })}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameSet(tc.x, tc.y); got != tc.same {
				t.Errorf("sameSet = %v, want %v", got, tc.same)
			}
		})
	}
}
