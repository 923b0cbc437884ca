package config

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads and parses the configuration file at path; see Parse.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse decodes a YAML configuration, applies defaults and validates it. name
// is the file name that problems are reported against.
//
// Decoding is strict: unknown keys, duplicate keys and values of the wrong type
// are errors. Durations are Go durations ("90s", "5m"); times are RFC 3339
// ("2026-11-27T09:00:00Z"). On any problem the error is an *Errors holding every
// problem found, each with its line and key path, and the Config is nil.
func Parse(data []byte, name string) (*Config, error) {
	root, problems := parseNode(data)
	if problems != nil {
		return nil, &Errors{File: name, Problems: problems}
	}
	w := newWalker()
	c := new(Config)
	if root != nil {
		w.value(root, reflect.TypeOf(*c), "")
		if w.visits > maxVisits {
			return nil, &Errors{File: name, Problems: w.problems}
		}
		if len(w.problems) == 0 {
			if err := decodeStrict(data, c); err != nil {
				return nil, &Errors{File: name, Problems: decodeProblems(err)}
			}
		} else if err := root.Decode(c); err != nil {
			// The walk nulled every value it rejected, so this is rare; without
			// a whole Config, validating would only add noise.
			sortProblems(w.problems)
			return nil, &Errors{File: name, Problems: w.problems}
		}
	}
	c.src = &source{lines: w.lines}
	c.SetDefaults()
	problems = w.problems
	for _, p := range c.Validate() {
		// A value that could not be read is already reported; its zero value is no news.
		if !under(p.Path, w.bad) {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		sortProblems(problems)
		return nil, &Errors{File: name, Problems: problems}
	}
	return c, nil
}

// parseNode parses data into a node tree, nil for an empty file. Syntax errors
// come back as problems.
func parseNode(data []byte) (*yaml.Node, []Problem) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, []Problem{syntaxProblem(err, data)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, []Problem{syntaxProblem(err, data)}
	default:
		return nil, []Problem{{Line: extra.Line, Msg: "a second YAML document; the file must hold exactly one"}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// decodeStrict is the decoder's own check, run on files the walk found clean.
func decodeStrict(data []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

var (
	lineRE          = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
)

// decodeProblems turns an error from the yaml decoder into problems. The walk
// catches what the decoder rejects, so this only guards against the two
// disagreeing; such problems carry a line but no path.
func decodeProblems(err error) []Problem {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{{Msg: strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	problems := make([]Problem, 0, len(te.Errors))
	for _, msg := range te.Errors {
		p := Problem{Msg: msg}
		if m := lineRE.FindStringSubmatch(msg); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Msg = m[2]
		}
		problems = append(problems, p)
	}
	return problems
}

// parserProblems are the yaml parser's (not scanner's) messages. The library
// reports their lines 0-based, one less than the line they are on.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found undefined tag handle":             true,
	"found duplicate %YAML directive":        true,
	"found duplicate %TAG directive":         true,
	"found incompatible YAML document":       true,
}

// syntaxProblem turns a YAML syntax error into a problem with its line. The
// library leaves out "line 1", and the line of an unknown alias.
func syntaxProblem(err error, data []byte) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{Line: 1, Msg: "invalid YAML: " + msg}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Msg = "invalid YAML: " + m[2]
		if parserProblems[m[2]] {
			p.Line++
		}
	} else if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			p.Line = 1 + bytes.Count(data[:i], []byte("\n"))
		}
	}
	return p
}
