package config

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var (
	durationType = reflect.TypeOf(time.Duration(0))
	timeType     = reflect.TypeOf(time.Time{})
)

// maxVisits bounds the node walk, and so the size of the Config that is
// decoded and validated. Aliases let a few bytes describe a huge tree; a real
// configuration has a few thousand values.
const maxVisits = 200_000

// maxMergeDepth bounds merge keys ("<<") nested inside merged mappings.
const maxMergeDepth = 8

// source remembers where a Config was read from, so that problems found after
// loading (Validate, SecretEnvProblems) still name their lines.
type source struct {
	lines map[string]int // key path → line of the key, or of the list item
}

// line is the line of path, or of its nearest ancestor present in the file
// (a key left to its default is reported where its parent is).
func (s *source) line(path string) int {
	if s == nil {
		return 0
	}
	for path != "" {
		if l, ok := s.lines[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// under reports whether path is one of roots or inside one of them.
func under(path string, roots []string) bool {
	for _, r := range roots {
		if r == "" || path == r || strings.HasPrefix(path, r+".") || strings.HasPrefix(path, r+"[") {
			return true
		}
	}
	return false
}

// yamlName is the key a struct field is read from, or "" for none. Config uses
// no ",inline", so it is not handled.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	switch name {
	case "-":
		return ""
	case "":
		return strings.ToLower(f.Name)
	}
	return name
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	fields := make(map[string]reflect.StructField, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if name := yamlName(f); name != "" {
			fields[name] = f
		}
	}
	return fields
}

// walker checks a YAML node tree against the Config type before decoding: it
// finds unknown and duplicate keys and badly typed values with their key paths,
// and records the line of every key. The yaml decoder reports such problems
// without paths, and gives up entirely at the first bad time value.
//
// Bad values are replaced by null and unknown keys removed, so the rest of the
// tree still decodes and can be validated.
type walker struct {
	lines    map[string]int
	problems []Problem
	bad      []string // paths whose values were not decoded
	visits   int
}

func newWalker() *walker {
	return &walker{lines: make(map[string]int)}
}

func (w *walker) report(line int, path, format string, args ...any) {
	w.problems = append(w.problems, Problem{Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// value checks n, found at path, against the Go type t.
func (w *walker) value(n *yaml.Node, t reflect.Type, path string) {
	w.visits++
	if w.visits > maxVisits {
		if w.visits == maxVisits+1 {
			w.report(n.Line, path, "the file holds more than %d values (counting what aliases repeat)", maxVisits)
		}
		return
	}
	v := resolveAlias(n)
	if isNull(v) {
		return // the zero value, as the decoder leaves it
	}
	var msg string
	switch {
	case t == durationType || t == timeType:
		msg = scalarProblem(v, t)
	case t.Kind() == reflect.Struct:
		if v.Kind == yaml.MappingNode {
			w.mapping(v, t, path, 0)
			return
		}
		msg = "must be a mapping of keys, got " + describe(v)
		if path == "" {
			msg = "the file must be a YAML mapping of keys, got " + describe(v)
		}
	case t.Kind() == reflect.Map:
		if v.Kind == yaml.MappingNode {
			w.mapOf(v, t, path)
			return
		}
		msg = "must be a mapping, got " + describe(v)
	case t.Kind() == reflect.Slice:
		if v.Kind == yaml.SequenceNode {
			for i, e := range v.Content {
				p := path + "[" + strconv.Itoa(i) + "]"
				w.lines[p] = e.Line
				w.value(e, t.Elem(), p)
			}
			return
		}
		msg = "must be a list, got " + describe(v)
	default:
		msg = scalarProblem(v, t)
	}
	if msg != "" {
		w.report(n.Line, path, "%s", msg)
		w.bad = append(w.bad, path)
		// Only this use of an alias is nulled; the anchor may be fine elsewhere.
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
	}
}

// mapping checks the keys of m against the fields of struct type t.
func (w *walker) mapping(m *yaml.Node, t reflect.Type, path string, depth int) {
	fields := yamlFields(t)
	seen := make(map[string]int) // key → line it was first set on
	var merges []*yaml.Node
	kept := m.Content[:0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			kept = append(kept, k, v)
			continue
		}
		if !w.key(k, v, fields, seen, path, true) {
			continue
		}
		kept = append(kept, k, v)
	}
	m.Content = kept
	// Explicit keys win over merged ones, and earlier merges over later ones.
	for _, v := range merges {
		w.merge(v, fields, seen, path, depth)
	}
}

// mapOf checks the entries of m, a YAML mapping read into the Go map type t:
// keys are any plain names, values are checked against t's element type.
func (w *walker) mapOf(m *yaml.Node, t reflect.Type, path string) {
	seen := make(map[string]int)
	kept := m.Content[:0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		rk := resolveAlias(k)
		if rk.Kind != yaml.ScalarNode || rk.ShortTag() == "!!merge" {
			w.report(k.Line, path, "keys must be plain names, got %s", describe(rk))
			continue
		}
		p := joinPath(path, rk.Value)
		if first, dup := seen[rk.Value]; dup {
			w.report(k.Line, p, "duplicate key (first set on line %d)", first)
			continue
		}
		seen[rk.Value] = k.Line
		w.lines[p] = k.Line
		w.value(v, t.Elem(), p)
		kept = append(kept, k, v)
	}
	m.Content = kept
}

// key checks one key and its value; it reports false when the pair must be dropped.
func (w *walker) key(k, v *yaml.Node, fields map[string]reflect.StructField, seen map[string]int, path string, explicit bool) bool {
	rk := resolveAlias(k)
	if rk.Kind != yaml.ScalarNode {
		w.report(k.Line, path, "keys must be plain names, got %s", describe(rk))
		return false
	}
	name := rk.Value
	p := joinPath(path, name)
	if first, dup := seen[name]; dup {
		if explicit {
			w.report(k.Line, p, "duplicate key (first set on line %d)", first)
		}
		return false // a merged key that an explicit one overrides is not an error
	}
	seen[name] = k.Line
	f, ok := fields[name]
	if !ok {
		w.report(k.Line, p, "unknown key%s", suggest(name, fields))
		return false
	}
	w.lines[p] = k.Line
	w.value(v, f.Type, p)
	return true
}

// merge checks the mapping (or list of mappings) that a "<<" key pulls in.
func (w *walker) merge(v *yaml.Node, fields map[string]reflect.StructField, seen map[string]int, path string, depth int) {
	if depth >= maxMergeDepth {
		w.report(v.Line, path, "merge keys (<<) nested more than %d deep", maxMergeDepth)
		return
	}
	var sources []*yaml.Node
	switch rv := resolveAlias(v); rv.Kind {
	case yaml.MappingNode:
		sources = append(sources, rv)
	case yaml.SequenceNode:
		for _, e := range rv.Content {
			sources = append(sources, resolveAlias(e))
		}
	}
	for _, m := range sources {
		if m.Kind != yaml.MappingNode {
			w.report(v.Line, path, "merge key (<<) takes a mapping or a list of mappings, got %s", describe(m))
			w.bad = append(w.bad, path)
			continue
		}
		var nested []*yaml.Node
		kept := m.Content[:0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, mv := m.Content[i], m.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				nested = append(nested, mv)
				kept = append(kept, k, mv)
				continue
			}
			if _, overridden := seen[resolveAlias(k).Value]; overridden {
				kept = append(kept, k, mv)
				continue
			}
			if w.key(k, mv, fields, seen, path, false) {
				kept = append(kept, k, mv)
			}
		}
		m.Content = kept
		for _, nv := range nested {
			w.merge(nv, fields, seen, path, depth+1)
		}
	}
	if len(sources) == 0 {
		w.report(v.Line, path, "merge key (<<) takes a mapping or a list of mappings, got %s", describe(resolveAlias(v)))
		w.bad = append(w.bad, path)
	}
}

// resolveAlias follows aliases to the anchored node. The parser never anchors
// an alias, so the chain is short; the bound is for safety.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "an alias"
}

// scalarProblem says why scalar node n cannot be a value of type t, or "" if it can.
// It is stricter than the decoder: whole numbers are not truncated from 1.5, and
// times must be RFC 3339 with a zone, not any YAML timestamp.
func scalarProblem(n *yaml.Node, t reflect.Type) string {
	want := wantName(t)
	if n.Kind != yaml.ScalarNode {
		return "must be " + want + ", got " + describe(n)
	}
	tag := n.ShortTag()
	switch {
	case t == durationType:
		if _, err := time.ParseDuration(n.Value); tag != "!!str" || err != nil {
			return fmt.Sprintf("must be %s, got %q", want, n.Value)
		}
	case t == timeType:
		if _, err := time.Parse(time.RFC3339, n.Value); (tag != "!!str" && tag != "!!timestamp") || err != nil {
			return fmt.Sprintf("must be %s, got %q", want, n.Value)
		}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		if tag != "!!int" {
			return fmt.Sprintf("must be %s, got %q", want, n.Value)
		}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		if tag != "!!int" && tag != "!!float" {
			return fmt.Sprintf("must be %s, got %q", want, n.Value)
		}
	case t.Kind() == reflect.Bool:
		if tag != "!!bool" {
			return fmt.Sprintf("must be %s, got %q", want, n.Value)
		}
	case t.Kind() == reflect.String:
		if tag == "!!binary" {
			if _, err := base64.StdEncoding.DecodeString(n.Value); err != nil {
				return "must be valid base64 after !!binary"
			}
		}
	}
	// The tag fits; the decoder has the last word (overflow, explicit tags).
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		if t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64 {
			return fmt.Sprintf("%q is out of range", n.Value)
		}
		return "cannot be read: " + strings.TrimPrefix(err.Error(), "yaml: ")
	}
	return ""
}

func wantName(t reflect.Type) string {
	switch {
	case t == durationType:
		return `a duration like "30s" or "5m"`
	case t == timeType:
		return `an RFC 3339 time like "2026-11-27T09:00:00Z"`
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "a whole number"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.String:
		return "a string"
	}
	return "a " + t.String()
}

// suggest names the known key closest to an unknown one, for typos.
func suggest(name string, fields map[string]reflect.StructField) string {
	best, bestDist := "", 3 // more than two edits is not a typo
	for known := range fields {
		if d := editDistance(name, known); d < bestDist || d == bestDist && best != "" && known < best {
			best, bestDist = known, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance, for the short strings that keys are.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
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
