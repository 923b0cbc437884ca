package static

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/template/parse"
)

// compilePage turns the built-in page into steps for the fast renderer. It reads the
// template's parse tree after html/template has escaped it, so waiting.html stays the
// one source of the page's design: its text is copied as it is, and every action
// becomes a hole that computes the same value and applies the same escaper chain that
// html/template put there. Anything it does not know (range, with, variables, other
// functions or escapers) is an error, and Render falls back to html/template.
func compilePage(t *template.Template) ([]step, error) {
	// html/template escapes a template the first time it is executed.
	if err := t.Execute(io.Discard, normalize(samples()[0])); err != nil {
		return nil, fmt.Errorf("compiling %s: %w", t.Name(), err)
	}
	c := compiler{tree: t.Tree}
	steps, err := c.list(t.Tree.Root)
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", t.Name(), err)
	}
	return steps, nil
}

type compiler struct {
	tree *parse.Tree // for positions in errors
}

func (c *compiler) errorf(n parse.Node, format string, args ...any) error {
	pos, _ := c.tree.ErrorContext(n)
	return fmt.Errorf("%s: %s: %s", pos, n, fmt.Sprintf(format, args...))
}

func (c *compiler) list(l *parse.ListNode) ([]step, error) {
	var steps []step
	if l == nil {
		return nil, nil
	}
	for _, n := range l.Nodes {
		s, err := c.node(n)
		if err != nil {
			return nil, err
		}
		// Text and folded constants next to each other become one copy.
		if lit, ok := s.(literal); ok && len(steps) > 0 {
			if prev, ok := steps[len(steps)-1].(literal); ok {
				steps[len(steps)-1] = append(prev[:len(prev):len(prev)], lit...)
				continue
			}
		}
		steps = append(steps, s)
	}
	return steps, nil
}

func (c *compiler) node(n parse.Node) (step, error) {
	switch n := n.(type) {
	case *parse.TextNode:
		return literal(n.Text), nil
	case *parse.ActionNode:
		return c.action(n)
	case *parse.IfNode:
		cond, err := c.cond(n.Pipe)
		if err != nil {
			return nil, err
		}
		then, err := c.list(n.List)
		if err != nil {
			return nil, err
		}
		els, err := c.list(n.ElseList)
		if err != nil {
			return nil, err
		}
		return branch{cond: cond, then: then, els: els}, nil
	}
	return nil, c.errorf(n, "not supported by the fast renderer")
}

// action compiles {{value | _html_template_escaper…}}.
func (c *compiler) action(n *parse.ActionNode) (step, error) {
	if len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) < 2 {
		return nil, c.errorf(n, "want a value and html/template's escapers")
	}
	v, err := c.value(n.Pipe.Cmds[0])
	if err != nil {
		return nil, err
	}
	var chain []string
	for _, cmd := range n.Pipe.Cmds[1:] {
		id, ok := cmd.Args[0].(*parse.IdentifierNode)
		if len(cmd.Args) != 1 || !ok || !strings.HasPrefix(id.Ident, "_html_template_") {
			return nil, c.errorf(n, "only html/template's escapers may follow the value")
		}
		chain = append(chain, id.Ident)
	}
	h := hole{value: v.append}
	joined := strings.Join(chain, " | ")
	switch {
	case v.safe == safeHTML && joined == "_html_template_htmlescaper":
		// template.HTML in HTML text is printed as it is (h.escape stays nil).
	case v.safe == safeHTML:
		return nil, c.errorf(n, "a template.HTML field may stand only in HTML text")
	case v.safe == safeURL && joined == "_html_template_urlfilter | _html_template_urlnormalizer | _html_template_attrescaper":
		h.escape = appendURLNormalized // the filter trusts a template.URL
	case v.safe == safeURL:
		return nil, c.errorf(n, "a template.URL field may stand only in a URL attribute")
	case joined == "_html_template_htmlescaper" || joined == "_html_template_rcdataescaper" || joined == "_html_template_attrescaper":
		// For anything but template.HTML, the three agree.
		h.escape = appendHTMLEscaped
	case joined == "_html_template_urlfilter | _html_template_urlnormalizer | _html_template_attrescaper":
		h.escape = appendURLAttr
	case joined == "_html_template_htmlnamefilter":
		// Attributes between a tag's name and its '>': only a template.HTMLAttr is
		// printed as it is, anything else would be filtered.
		if !v.attr {
			return nil, c.errorf(n, "only live and show may stand in a tag")
		}
	default:
		return nil, c.errorf(n, "escapers %s not supported by the fast renderer", chain)
	}
	if v.constant {
		return literal(h.appendTo(nil, &renderer{})), nil
	}
	return h, nil
}

// A value is what an action prints before escaping.
type value struct {
	append   func(dst []byte, d *PageData) []byte
	attr     bool     // a template.HTMLAttr: html/template prints it unfiltered in a tag
	constant bool     // does not depend on the page data, so it is computed once
	safe     safeKind // a field of a type html/template trusts
}

// value compiles the command that computes an action's value: a field, or one of the
// functions in funcs applied to fields and literals.
func (c *compiler) value(cmd *parse.CommandNode) (value, error) {
	if f, ok := c.field(cmd.Args[0]); ok && len(cmd.Args) == 1 {
		return value{append: f.appendTo, safe: f.safe}, nil
	}
	id, ok := cmd.Args[0].(*parse.IdentifierNode)
	if !ok {
		return value{}, c.errorf(cmd, "want a field of PageData or a function")
	}
	args := cmd.Args[1:]
	switch {
	case id.Ident == "comma" && len(args) == 1:
		f, ok := c.field(args[0])
		switch {
		case ok && f.int != nil:
			return value{append: func(dst []byte, d *PageData) []byte { return appendSignedComma(dst, int64(f.int(d))) }}, nil
		case ok && f.uint != nil:
			return value{append: func(dst []byte, d *PageData) []byte { return appendGroupDigits(dst, f.uint(d)) }}, nil
		}
	case id.Ident == "eta" && len(args) == 2:
		lo, ok1 := c.field(args[0])
		hi, ok2 := c.field(args[1])
		if ok1 && ok2 && lo.int != nil && hi.int != nil {
			return value{append: func(dst []byte, d *PageData) []byte { return appendETA(dst, lo.int(d), hi.int(d)) }}, nil
		}
	case id.Ident == "clock" && len(args) == 1:
		if f, ok := c.field(args[0]); ok && f.int != nil {
			return value{append: func(dst []byte, d *PageData) []byte { return appendClock(dst, f.int(d)) }}, nil
		}
	case id.Ident == "seconds" && len(args) == 1:
		if f, ok := c.field(args[0]); ok && f.int != nil {
			return value{append: func(dst []byte, d *PageData) []byte { return strconv.AppendInt(dst, int64(seconds(f.int(d))), 10) }}, nil
		}
	case id.Ident == "asset" && len(args) == 1:
		if name, ok := args[0].(*parse.StringNode); ok {
			url, err := assetURL(name.Text)
			if err != nil {
				return value{}, c.errorf(cmd, "%v", err)
			}
			return value{append: func(dst []byte, _ *PageData) []byte { return append(dst, url...) }, constant: true}, nil
		}
	case id.Ident == "t" && len(args) == 2:
		key, ok := args[1].(*parse.StringNode)
		if _, dot := args[0].(*parse.DotNode); dot && ok {
			i := slices.Index(keys, key.Text)
			if i < 0 {
				return value{}, c.errorf(cmd, "unknown text %q", key.Text)
			}
			return value{append: func(dst []byte, d *PageData) []byte { return append(dst, d.Text.words[i]...) }}, nil
		}
	case id.Ident == "num" && len(args) == 2:
		f, ok := c.field(args[1])
		if _, dot := args[0].(*parse.DotNode); dot && ok {
			switch {
			case f.uint != nil:
				return value{append: func(dst []byte, d *PageData) []byte { return d.Text.num.appendNumber(dst, f.uint(d)) }}, nil
			case f.int != nil:
				return value{append: func(dst []byte, d *PageData) []byte { return d.Text.num.appendNumber(dst, uint64(max(f.int(d), 0))) }}, nil
			}
		}
	case len(args) == 1 && dotFuncs[id.Ident] != nil:
		if _, ok := args[0].(*parse.DotNode); ok {
			return value{append: dotFuncs[id.Ident]}, nil
		}
	case id.Ident == "live" && len(args) == 1:
		if _, ok := args[0].(*parse.DotNode); ok {
			return value{append: appendLive, attr: true}, nil
		}
	case id.Ident == "show" && len(args) == 2:
		f, ok1 := c.field(args[0])
		states, ok2 := args[1].(*parse.StringNode)
		if ok1 && ok2 && f.str != nil {
			attrs := showAttrs(states.Text)
			shown, hidden := string(attrs[0]), string(attrs[1])
			// Split once: shownIn's FieldsSeq, per hole and page, was a fifth of the time.
			list := strings.Fields(states.Text)
			return value{append: func(dst []byte, d *PageData) []byte {
				if slices.Contains(list, f.str(d)) {
					return append(dst, shown...)
				}
				return append(dst, hidden...)
			}, attr: true}, nil
		}
	}
	return value{}, c.errorf(cmd, "not supported by the fast renderer")
}

// dotFuncs are the functions of one argument, the page data, that the fast renderer
// calls directly.
var dotFuncs = map[string]func(dst []byte, d *PageData) []byte{
	"title":     appendTitle,
	"wait":      appendWait,
	"pct":       appendPct,
	"countdown": appendCountdown,
	"lang":      func(dst []byte, d *PageData) []byte { return append(dst, d.Text.lang...) },
	"dir":       func(dst []byte, d *PageData) []byte { return append(dst, d.Text.dir...) },
}

// cond compiles the pipeline of an {{if}}: a field's truth, "not" of it, or a string
// field compared with "eq" or "ne" to a literal.
func (c *compiler) cond(p *parse.PipeNode) (func(*PageData) bool, error) {
	if len(p.Decl) == 0 && len(p.Cmds) == 1 {
		args := p.Cmds[0].Args
		if f, ok := c.field(args[0]); ok && len(args) == 1 {
			return f.truth, nil
		}
		id, ok := args[0].(*parse.IdentifierNode)
		switch {
		case !ok:
		case id.Ident == "not" && len(args) == 2:
			if f, ok := c.field(args[1]); ok {
				return func(d *PageData) bool { return !f.truth(d) }, nil
			}
		case (id.Ident == "eq" || id.Ident == "ne") && len(args) == 3:
			f, ok1 := c.field(args[1])
			lit, ok2 := args[2].(*parse.StringNode)
			if ok1 && ok2 && f.str != nil {
				equal := id.Ident == "eq"
				return func(d *PageData) bool { return (f.str(d) == lit.Text) == equal }, nil
			}
		}
	}
	return nil, c.errorf(p, "condition not supported by the fast renderer")
}

// field resolves .Name to a field of PageData.
func (c *compiler) field(n parse.Node) (field, bool) {
	fn, ok := n.(*parse.FieldNode)
	if !ok || len(fn.Ident) != 1 {
		return field{}, false
	}
	f, ok := fields[fn.Ident[0]]
	return f, ok
}

// A field reads one field of PageData; exactly one of str, int and uint is set, by the
// field's type.
type field struct {
	str  func(*PageData) string
	int  func(*PageData) int
	uint func(*PageData) uint64
	safe safeKind // a string type html/template trusts
}

// safeKind says which of html/template's trusted string types a field has.
type safeKind int

const (
	safeNone safeKind = iota
	safeURL           // template.URL: the URL filter lets it through
	safeHTML          // template.HTML: printed as it is in HTML text
)

// fields lists every field of PageData; a test checks that none is missing.
var fields = map[string]field{
	"Title":          {str: func(d *PageData) string { return d.Title }},
	"Room":           {str: func(d *PageData) string { return d.Room }},
	"State":          {str: func(d *PageData) string { return d.State }},
	"Position":       {uint: func(d *PageData) uint64 { return d.Position }},
	"Ahead":          {uint: func(d *PageData) uint64 { return d.Ahead }},
	"Ticket":         {uint: func(d *PageData) uint64 { return d.Ticket }},
	"ETALow":         {int: func(d *PageData) int { return d.ETALow }},
	"ETAHigh":        {int: func(d *PageData) int { return d.ETAHigh }},
	"Progress":       {int: func(d *PageData) int { return d.Progress }},
	"PollAfterMS":    {int: func(d *PageData) int { return d.PollAfterMS }},
	"OpensInSeconds": {int: func(d *PageData) int { return d.OpensInSeconds }},
	"Redirect":       {str: func(d *PageData) string { return d.Redirect }},
	"StatusURL":      {str: func(d *PageData) string { return d.StatusURL }},
	"Message":        {str: func(d *PageData) string { return d.Message }},
	"MessageCount":   {uint: func(d *PageData) uint64 { return d.MessageCount }},
	"Notice":         {str: func(d *PageData) string { return d.Notice }},
	"HomeURL":        {str: func(d *PageData) string { return d.HomeURL }},
	"Logo":           {str: func(d *PageData) string { return string(d.Logo) }, safe: safeURL},
	"Style":          {str: func(d *PageData) string { return string(d.Style) }, safe: safeHTML},
}

// appendTo appends the field as text/template prints it (fmt.Sprint).
func (f field) appendTo(dst []byte, d *PageData) []byte {
	switch {
	case f.str != nil:
		return append(dst, f.str(d)...)
	case f.int != nil:
		return strconv.AppendInt(dst, int64(f.int(d)), 10)
	default:
		return strconv.AppendUint(dst, f.uint(d), 10)
	}
}

// truth is the field's truth in {{if}}: not empty, not zero.
func (f field) truth(d *PageData) bool {
	switch {
	case f.str != nil:
		return f.str(d) != ""
	case f.int != nil:
		return f.int(d) != 0
	default:
		return f.uint(d) != 0
	}
}
