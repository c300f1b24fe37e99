package taint

import (
	"github.com/tendhq/tend/internal/review/ir"
)

// sinkHit reports a data-flow finding when v (or what it holds) carries
// taint not neutralised for k.
func (f *frame) sinkHit(k Kind, ruleID, sink string, p ir.Pos, vals ...*Value) bool {
	for _, v := range vals {
		if v == nil {
			continue
		}
		t := v.deepTaint(k)
		if t == nil {
			continue
		}
		path := t.steps(12)
		path = append(path, Step{File: f.mod.Path, Pos: p, Note: sink})
		src := ""
		if len(path) > 0 {
			src = path[0].Note
		}
		f.w.a.report(Finding{Rule: ruleID, File: f.mod.Path, Pos: p, Detail: sink, Path: path, Sink: sink, Source: src})
		if f.lang == ir.Python && f.entry != nil && f.entry.mod != f.mod {
			// a helper of another module (run_query(sql) in db.py) is the
			// sink: the call that passes it the input is the place to fix
			// too, and each caller is its own finding
			f.w.a.report(Finding{Rule: ruleID, File: f.entry.mod.Path, Pos: f.entry.pos, Detail: sink, Path: path, Sink: sink, Source: src})
		}
		return true
	}
	return false
}

// flag reports a finding that needs no data flow (a weak algorithm, a flag).
func (f *frame) flag(ruleID, detail string, p ir.Pos) {
	f.w.a.report(Finding{Rule: ruleID, File: f.mod.Path, Pos: p, Detail: detail, Sink: detail})
}

// flagFrom reports a finding with the path of a trace (weak randomness, null).
func (f *frame) flagFrom(ruleID, detail string, p ir.Pos, t *trace) {
	path := t.steps(12)
	path = append(path, Step{File: f.mod.Path, Pos: p, Note: detail})
	src := ""
	if len(path) > 0 {
		src = path[0].Note
	}
	f.w.a.report(Finding{Rule: ruleID, File: f.mod.Path, Pos: p, Detail: detail, Path: path, Sink: detail, Source: src})
}
