package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// KnownEnv returns every SYNDICATE_* variable Load reads: the full key
// paths, their short aliases and SYNDICATE_ADMIN_TOKEN.
func KnownEnv() []string {
	var names []string
	envLeaves(reflect.ValueOf(Default()).Elem(), "", func(path string, _ reflect.Value) {
		names = append(names, envName(path))
	})
	for _, a := range aliases {
		names = append(names, a.name)
	}
	names = append(names, adminTokenEnv)
	slices.Sort(names)
	return names
}

// UnknownEnv returns a warning for each SYNDICATE_* variable of environ
// (os.Environ's KEY=VALUE form) that Load does not read — most likely a
// typo, which would otherwise leave the default in force without a word —
// with the closest known name when one is near. SYNDICATE_TEST_* (the test
// suite's own) are left alone. Values are never quoted: they may be secrets.
func UnknownEnv(environ []string) []string {
	known := KnownEnv()
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "SYNDICATE_") || strings.HasPrefix(name, "SYNDICATE_TEST_") {
			continue
		}
		if _, ok := slices.BinarySearch(known, name); ok {
			continue
		}
		msg := fmt.Sprintf("env %s: unknown variable, ignored", name)
		if near := closest(name, known); near != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", near)
		}
		out = append(out, msg)
	}
	slices.Sort(out)
	return out
}

// closest is the known name within a few edits of name, "" if none.
func closest(name string, known []string) string {
	best, bestD := "", 4
	for _, k := range known {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b (ASCII names).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
