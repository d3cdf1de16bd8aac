package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with the configuration: where it is and what.
// File and Line are zero when unknown, e.g. for a value that came from the
// environment, whose Path is then "env SYNDICATE_NAME".
type Problem struct {
	File    string
	Line    int
	Path    string // key path, 0-based indexes: sources[1].schedule
	Message string
}

// Error formats p as "FILE:LINE: path: message", leaving out the parts
// that are unknown.
func (p Problem) Error() string {
	var b strings.Builder
	switch {
	case p.File != "" && p.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", p.File, p.Line)
	case p.File != "":
		b.WriteString(p.File + ": ")
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Errors is every problem Load found, sorted by line (problems without a
// line last). Load returns it as an *Errors.
type Errors []Problem

// Error returns all problems, one per line.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// As lets errors.As fill an Errors target as well as an *Errors one.
func (e Errors) As(target any) bool {
	switch t := target.(type) {
	case *Errors:
		*t = e
		return true
	case **Errors:
		c := e
		*t = &c
		return true
	}
	return false
}
