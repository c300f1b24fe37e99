package series

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Selector picks series by metric name and labels, in Prometheus' series
// selector syntax: `host_cpu_utilization`, `host_cpu_utilization{host="web-1"}`,
// `{stack="shop", pod=~"cart-.*", env!="dev"}`. Label names may contain
// dots (OpenTelemetry attributes); `__name__` matches the metric name.
// The zero Selector matches everything.
type Selector struct {
	matchers []matcher
}

type matcher struct {
	name  string
	op    string // =, !=, =~, !~
	value string
	re    *regexp.Regexp
}

// MaxSelectorLen bounds a selector's length.
const MaxSelectorLen = 4096

// ParseSelector parses a series selector. An empty string matches all series.
func ParseSelector(s string) (Selector, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxSelectorLen {
		return Selector{}, fmt.Errorf("selector is longer than %d characters", MaxSelectorLen)
	}
	var sel Selector
	i := 0
	name := scanName(s, 0)
	if name > 0 {
		sel.matchers = append(sel.matchers, matcher{name: "__name__", op: "=", value: s[:name]})
		i = name
	}
	i = skipSpace(s, i)
	if i == len(s) {
		return sel, nil
	}
	if s[i] != '{' {
		return Selector{}, fmt.Errorf("unexpected %q at position %d: expected a metric name or {label=\"value\", …}", s[i], i+1)
	}
	i++
	for {
		i = skipSpace(s, i)
		if i < len(s) && s[i] == '}' {
			i++
			break
		}
		n := scanName(s, i)
		if n == i {
			return Selector{}, fmt.Errorf("expected a label name at position %d", i+1)
		}
		m := matcher{name: s[i:n]}
		i = skipSpace(s, n)
		switch {
		case strings.HasPrefix(s[i:], "=~"), strings.HasPrefix(s[i:], "!~"), strings.HasPrefix(s[i:], "!="):
			m.op, i = s[i:i+2], i+2
		case strings.HasPrefix(s[i:], "="):
			m.op, i = "=", i+1
		default:
			return Selector{}, fmt.Errorf("expected =, !=, =~ or !~ after label %q at position %d", m.name, i+1)
		}
		i = skipSpace(s, i)
		if i >= len(s) || (s[i] != '"' && s[i] != '\'' && s[i] != '`') {
			return Selector{}, fmt.Errorf("expected a quoted value for label %q at position %d", m.name, i+1)
		}
		q, err := strconv.QuotedPrefix(s[i:])
		if err != nil && s[i] == '\'' {
			end := strings.IndexByte(s[i+1:], '\'')
			if end >= 0 {
				q, err = s[i:i+end+2], nil
			}
		}
		if err != nil {
			return Selector{}, fmt.Errorf("unterminated or invalid quoted value for label %q at position %d", m.name, i+1)
		}
		i += len(q)
		if q[0] == '\'' {
			m.value = q[1 : len(q)-1]
		} else if m.value, err = strconv.Unquote(q); err != nil {
			return Selector{}, fmt.Errorf("invalid quoted value for label %q: %v", m.name, err)
		}
		if m.op == "=~" || m.op == "!~" {
			if m.re, err = regexp.Compile("^(?:" + m.value + ")$"); err != nil {
				return Selector{}, fmt.Errorf("invalid regular expression for label %q: %v", m.name, err)
			}
		}
		sel.matchers = append(sel.matchers, m)
		i = skipSpace(s, i)
		if i < len(s) && s[i] == ',' {
			i++
			continue
		}
		if i < len(s) && s[i] == '}' {
			i++
			break
		}
		return Selector{}, fmt.Errorf("expected , or } at position %d", i+1)
	}
	if i = skipSpace(s, i); i != len(s) {
		return Selector{}, fmt.Errorf("unexpected text after } at position %d", i+1)
	}
	return sel, nil
}

// Matches reports whether the series matches every matcher. A label that
// is absent has the empty value, as in Prometheus.
func (s Selector) Matches(metric string, labels Labels) bool {
	for _, m := range s.matchers {
		v := labels[m.name]
		if m.name == "__name__" {
			v = metric
		}
		var ok bool
		switch m.op {
		case "=":
			ok = v == m.value
		case "!=":
			ok = v != m.value
		case "=~":
			ok = m.re.MatchString(v)
		case "!~":
			ok = !m.re.MatchString(v)
		}
		if !ok {
			return false
		}
	}
	return true
}

func scanName(s string, i int) int {
	for j := i; j < len(s); j++ {
		c := s[j]
		if c == '_' || c == ':' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (j > i && (c >= '0' && c <= '9' || c == '-')) {
			continue
		}
		return j
	}
	return len(s)
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
		i++
	}
	return i
}
