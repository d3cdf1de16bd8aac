package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load reads the YAML file at path over the defaults (path "" uses the
// defaults alone), applies the environment overrides that env reports
// (usually os.LookupEnv; nil means none), validates the result and fills
// its Parsed values (Resolve).
//
// When the configuration is invalid the error is an *Errors holding every
// problem; when the file cannot be read it is a wrapped os error. The
// returned Config is nil on any error.
func Load(path string, env func(key string) (string, bool)) (*Config, error) {
	cfg := Default()
	cfg.Path = path
	l := &loader{file: path, lines: map[string]int{}, envs: map[string]string{}, failed: map[string]bool{}}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		l.decodeFile(data, cfg)
	}
	if env != nil {
		l.applyEnv(cfg, env)
	}
	l.validate(cfg, configDir(path))
	if len(l.problems) > 0 {
		errs := Errors(l.problems)
		slices.SortStableFunc(errs, func(a, b Problem) int { return sortLine(a) - sortLine(b) })
		return nil, &errs
	}
	if err := cfg.Resolve(); err != nil {
		// Validation accepted a value Resolve cannot read: a bug here.
		return nil, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// sortLine puts problems without a line after those with one.
func sortLine(p Problem) int {
	if p.Line == 0 {
		return math.MaxInt32
	}
	return p.Line
}

// configDir is the directory relative file: URLs resolve against.
func configDir(path string) string {
	dir := "."
	if path != "" {
		dir = filepath.Dir(path)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// loader collects problems and remembers where each key path was set, so
// that validation can point at the right line or variable.
type loader struct {
	file     string
	problems []Problem
	lines    map[string]int    // key path → line in the file
	envs     map[string]string // key path → the variable that set it
	failed   map[string]bool   // key paths that did not decode
	// steps counts the nodes walked: aliases and merge keys reuse nodes,
	// so a few hundred bytes can name 10^9 of them (a "billion laughs"),
	// which yaml's own alias check does not see when the loader walks the
	// node tree itself.
	steps int
}

// maxSteps bounds the nodes the loader walks, aliases and merges
// expanded: far above any real configuration (a thousand sources of
// twenty keys are 40,000), far below what would keep a start-up busy.
const maxSteps = 1_000_000

// step counts one node walked and reports false, once with a problem at
// line, when the file has expanded past maxSteps.
func (l *loader) step(line int) bool {
	l.steps++
	if l.steps == maxSteps+1 {
		l.problems = append(l.problems, Problem{File: l.file, Line: line, Message: fmt.Sprintf("the file expands to more than %d values through its aliases (*name) and merge keys (<<): refused, as a YAML alias bomb would be", maxSteps)})
	}
	return l.steps <= maxSteps
}

// fileProblem records a problem at a known line of the file.
func (l *loader) fileProblem(line int, path, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: l.file, Line: line, Path: path, Message: fmt.Sprintf(format, args...)})
	l.failed[path] = true
}

// envProblem records a problem with the value of an environment variable.
func (l *loader) envProblem(name, format string, args ...any) {
	l.problems = append(l.problems, Problem{Path: "env " + name, Message: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// decodeFile walks the YAML document into cfg.
func (l *loader) decodeFile(data []byte, cfg *Config) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	syntax := func(err error) {
		// A syntax error: there is no tree to walk.
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			l.fileProblem(line, "", "%s", m[2])
		} else {
			l.fileProblem(0, "", "%s", strings.TrimPrefix(msg, "yaml: "))
		}
	}
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		syntax(err)
		return
	}
	// Only the first document would be read: a second one (after ---)
	// would be ignored without a word, so it is an error.
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		l.fileProblem(next.Line, "", "a second YAML document starts here (after ---); the config file is one document: merge it into the first or remove it")
	} else if !errors.Is(err, io.EOF) {
		syntax(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return // an empty file: the defaults
	}
	root := resolve(doc.Content[0])
	if root.ShortTag() == "!!null" {
		return
	}
	if root.Kind != yaml.MappingNode {
		l.fileProblem(root.Line, "", "the top level must be a mapping of keys, got %s", nodeKind(root))
		return
	}
	l.decodeMapping(root, reflect.ValueOf(cfg).Elem(), "")
}

// defaulter is implemented by list elements that have defaults of their
// own (a source is enabled unless it says otherwise).
type defaulter interface{ setDefaults(index int) }

// scalarDecoder is implemented by mapping types that also accept a plain
// scalar (an admin token given as a bare string).
type scalarDecoder interface{ decodeScalar(string) }

// decode sets v from n. A null node leaves v as it is: the default.
func (l *loader) decode(n *yaml.Node, v reflect.Value, path string) {
	n = resolve(n)
	if !l.step(n.Line) {
		return
	}
	if n.ShortTag() == "!!null" {
		return
	}
	if sd, ok := v.Addr().Interface().(scalarDecoder); ok && n.Kind == yaml.ScalarNode {
		sd.decodeScalar(n.Value)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			l.fileProblem(n.Line, path, "expected a mapping of keys, got %s", nodeKind(n))
			return
		}
		l.decodeMapping(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			l.fileProblem(n.Line, path, "expected a list, got %s", nodeKind(n))
			return
		}
		// The file's list replaces the default one.
		list := reflect.MakeSlice(v.Type(), 0, len(n.Content))
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			l.lines[p] = resolve(item).Line
			elem := reflect.New(v.Type().Elem()).Elem()
			if d, ok := elem.Addr().Interface().(defaulter); ok {
				d.setDefaults(i)
			}
			l.decode(item, elem, p)
			list = reflect.Append(list, elem)
		}
		v.Set(list)
	default:
		if n.Kind != yaml.ScalarNode {
			l.fileProblem(n.Line, path, "expected %s, got %s", typeName(v.Type()), nodeKind(n))
			return
		}
		if err := setText(v, n.Value); err != nil {
			l.fileProblem(n.Line, path, "%v", err)
		}
	}
}

// decodeMapping sets the fields of struct v from mapping n, reporting
// unknown and duplicate keys.
func (l *loader) decodeMapping(n *yaml.Node, v reflect.Value, path string) {
	fields := yamlFields(v.Type())
	// Merge keys (<<: *anchor) first, so that the mapping's own keys win.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if isMerge(n.Content[i]) {
			l.merge(n.Content[i+1], v, path)
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), n.Content[i+1]
		if isMerge(k) {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			l.fileProblem(k.Line, path, "a key must be a plain name, got %s", nodeKind(k))
			continue
		}
		p := joinPath(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			l.fileProblem(k.Line, p, "duplicate key (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			l.fileProblem(k.Line, p, "unknown key")
			continue
		}
		l.lines[p] = k.Line
		l.decode(val, v.Field(idx), p)
	}
}

// merge applies the value of a merge key: a mapping, or a list of
// mappings of which the earlier win.
func (l *loader) merge(n *yaml.Node, v reflect.Value, path string) {
	n = resolve(n)
	if !l.step(n.Line) {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		l.decodeMapping(n, v, path)
	case yaml.SequenceNode:
		for i := len(n.Content) - 1; i >= 0; i-- {
			l.merge(n.Content[i], v, path)
		}
	default:
		l.fileProblem(n.Line, path, "<< must merge a mapping or a list of mappings, got %s", nodeKind(n))
	}
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

// resolve follows aliases (*anchor) to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// yamlFields maps the yaml names of t's fields to their indexes.
func yamlFields(t reflect.Type) map[string]int {
	fields := map[string]int{}
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			fields[name] = i
		}
	}
	return fields
}

// yamlName is the key of f in the file, "" when f is not read from it.
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		// Not the value itself: it may be a token written in the wrong place.
		return "a single value"
	}
	return "nothing"
}

var durationType = reflect.TypeFor[time.Duration]()

func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "a duration"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		return "an integer"
	case t.Kind() == reflect.Slice:
		return "a list"
	case t.Kind() == reflect.Struct:
		return "a mapping of keys"
	}
	return "a string"
}

// setText parses text into the scalar v, by the same rules for the file
// and the environment. A list (environment only) is comma-separated.
// Errors never quote a string value, which may be a secret.
func setText(v reflect.Value, text string) error {
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(strings.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("%q is not a duration (a number with a unit, e.g. 20s, 15m, 72h)", text)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(text)
	case v.Kind() == reflect.Bool:
		b, err := parseBool(text)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		// Base 0: 0x10 and 10_485_760 are accepted.
		i, err := strconv.ParseInt(strings.TrimSpace(text), 0, v.Type().Bits())
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("%s is out of range", text)
		}
		if err != nil {
			return fmt.Errorf("%q is not an integer", text)
		}
		v.SetInt(i)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		var list []string
		for item := range strings.SplitSeq(text, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		v.Set(reflect.ValueOf(list).Convert(v.Type()))
	default:
		// A field type the walkers do not know: a programmer error.
		panic(fmt.Sprintf("config: no text form for %s", v.Type()))
	}
	return nil
}

// parseBool accepts YAML 1.2's true and false and, as yaml v3 does for
// bool fields, YAML 1.1's yes/no/on/off, plus 1 and 0 for the environment.
func parseBool(text string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (true or false)", text)
}

// Aliases are the short variable names listed in
// docs/decisions/configuration.md; the full-path name
// wins when both are set. SYNDICATE_LISTEN and SYNDICATE_BASE_URL already
// are full-path names.
var aliases = []struct{ name, path string }{
	{"SYNDICATE_REDIS_URL", "store.redis_url"},
	{"SYNDICATE_DATA_DIR", "store.data_dir"},
}

// adminTokenEnv adds an admin token named "env".
const adminTokenEnv = "SYNDICATE_ADMIN_TOKEN"

// envName is the variable that overrides a key path.
func envName(path string) string {
	return "SYNDICATE_" + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// applyEnv applies the environment overrides to cfg.
func (l *loader) applyEnv(cfg *Config, env func(string) (string, bool)) {
	var paths []string
	fields := map[string]reflect.Value{}
	envLeaves(reflect.ValueOf(cfg).Elem(), "", func(path string, v reflect.Value) {
		paths = append(paths, path)
		fields[path] = v
	})
	set := func(name, path string) {
		text, ok := env(name)
		if !ok {
			return
		}
		if err := setText(fields[path], text); err != nil {
			l.envProblem(name, "%v", err)
			return
		}
		l.envs[path] = name
	}
	for _, a := range aliases {
		set(a.name, a.path)
	}
	for _, path := range paths {
		set(envName(path), path)
	}
	if token, ok := env(adminTokenEnv); ok {
		l.envs[fmt.Sprintf("admin.tokens[%d]", len(cfg.Admin.Tokens))] = adminTokenEnv
		cfg.Admin.Tokens = append(cfg.Admin.Tokens, Token{Name: "env", Token: token})
	}
}

// envLeaves calls fn for every key that an environment variable can set:
// the scalars and lists of scalars of the struct tree, except fields
// tagged env:"-".
func envLeaves(v reflect.Value, prefix string, fn func(path string, v reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" || f.Tag.Get("env") == "-" {
			continue
		}
		path := joinPath(prefix, name)
		if f.Type.Kind() == reflect.Struct && f.Type != durationType {
			envLeaves(v.Field(i), path, fn)
			continue
		}
		fn(path, v.Field(i))
	}
}
