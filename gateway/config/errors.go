package config

import (
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	// Line is the 1-based line in the file; 0 when unknown (a key that is
	// missing altogether, or a Config built in code).
	Line int
	// Path names the key, e.g. "rooms[0].paths[1]"; empty for the whole file.
	Path string
	// Msg says what is wrong, in lower case.
	Msg string
}

// String renders the problem without the file name: `line 12: rooms[0].paths[1]: must start with "/"`.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(p.Line))
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Errors is every problem found in one configuration file. Load and Parse
// return it, never a bare first error, so an operator fixes a file in one pass.
type Errors struct {
	// File is the name the problems are reported against.
	File     string
	Problems []Problem
}

// Error renders one problem per line, each as `<file>: line 12: <path>: <msg>`.
func (e *Errors) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if e.File != "" {
			b.WriteString(e.File)
			b.WriteString(": ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// sortProblems orders problems as they appear in the file; problems without a
// line (missing keys) come first, and ties keep the order they were found in.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
}
