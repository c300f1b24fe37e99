package review

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes the report as indented JSON (also a baseline).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the findings for a terminal: one block per finding with
// its path and the recommendation.
func WriteText(w io.Writer, r *Report, findings []Finding) error {
	var sb strings.Builder
	for _, f := range findings {
		fmt.Fprintf(&sb, "%s:%d:%d: %s %s (CWE-%d) %s\n", f.File, f.Line, f.Column, f.Severity, f.Rule, f.CWE, f.Message)
		if len(f.Path) > 1 {
			for _, st := range f.Path {
				loc := st.File
				if st.Line > 0 {
					loc = fmt.Sprintf("%s:%d", st.File, st.Line)
				}
				fmt.Fprintf(&sb, "    %s  %s\n", loc, st.Note)
			}
		}
		fmt.Fprintf(&sb, "  %s\n", f.Recommendation)
		fmt.Fprintf(&sb, "  Fix:\n")
		for _, l := range strings.Split(f.Fix, "\n") {
			fmt.Fprintf(&sb, "    %s\n", l)
		}
		sb.WriteString("\n")
	}
	c := r.Counts()
	fmt.Fprintf(&sb, "%d files, %d lines in %s: %d findings", r.Files, r.Lines, r.Duration.Round(1e6), len(findings))
	if len(findings) != len(r.Findings) {
		fmt.Fprintf(&sb, " new (%d in all)", len(r.Findings))
	}
	var parts []string
	for s := 5; s >= 1; s-- {
		for sev, n := range c {
			if int(sev) == s && n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, sev))
			}
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(&sb, " (%s)", strings.Join(parts, ", "))
	}
	sb.WriteString("\n")
	for _, e := range r.Errors {
		fmt.Fprintf(&sb, "warning: %s: %s\n", e.File, e.Error)
	}
	_, err := io.WriteString(w, sb.String())
	return err
}
