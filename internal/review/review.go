// Package review is tend's security review of Python and Java code: it
// finds the source files under the paths it is given, parses them with
// tree-sitter (packages python and java), runs the data-flow analysis
// (package taint) over the whole set so calls between files are followed,
// and returns findings with the rule's CWE, severity, recommendation and
// fix (package rule). Formats (text, JSON, SARIF 2.1.0), baselines and the
// rollout gate build on the Report it returns.
//
// Building tend needs cgo and a C compiler, because the tree-sitter
// grammars are C; see docs/review.md.
package review

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/review/ir"
	"github.com/tendhq/tend/internal/review/java"
	"github.com/tendhq/tend/internal/review/python"
	"github.com/tendhq/tend/internal/review/rule"
	"github.com/tendhq/tend/internal/review/taint"
)

// Location is a place in a source file; Note says what happens there.
type Location struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Note   string `json:"note,omitempty"`
}

// Finding is one problem, with what a developer needs to fix it.
type Finding struct {
	Rule           string        `json:"rule"`
	Name           string        `json:"name"`
	CWE            int           `json:"cwe"`
	Severity       rule.Severity `json:"severity"`
	File           string        `json:"file"`
	Line           int           `json:"line"`
	Column         int           `json:"column"`
	Message        string        `json:"message"`
	Source         string        `json:"source,omitempty"`
	Sink           string        `json:"sink,omitempty"`
	Path           []Location    `json:"path,omitempty"`
	Recommendation string        `json:"recommendation"`
	Fix            string        `json:"fix"`
	// Fingerprint identifies the finding across edits that move it: the
	// rule, the file, the text of the line and which occurrence of that
	// text it is. Baselines match on it.
	Fingerprint string `json:"fingerprint"`
}

// FileError is a file that could not be read or parsed.
type FileError struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

// Report is the result of one review.
type Report struct {
	Files    int           `json:"files"`
	Lines    int           `json:"lines"`
	Bytes    int64         `json:"bytes"`
	Duration time.Duration `json:"duration_ns"`
	Findings []Finding     `json:"findings"`
	Errors   []FileError   `json:"errors,omitempty"`
}

// Options configure a review.
type Options struct {
	Logger *slog.Logger
	// Workers parse files in parallel (0: one per CPU).
	Workers int
	// MaxFileBytes skips larger files (default 2 MiB): generated code.
	MaxFileBytes int64
	// Exclude holds path segments to skip (default: .git, node_modules,
	// venv, .venv, __pycache__, build, target, dist).
	Exclude []string
	// Analysis bounds the data-flow analysis.
	Analysis taint.Options
}

var defaultExclude = []string{".git", "node_modules", "venv", ".venv", "__pycache__", ".tox", "site-packages", "target", "build", "dist", ".mypy_cache"}

// ErrNoSources is returned when the paths hold no Python or Java file.
var ErrNoSources = errors.New("no Python or Java source files")

type source struct {
	path string // as reported
	abs  string
	root string // the path argument it was found under
	lang ir.Lang
}

// Review analyses the Python and Java files under paths (files or
// directories). Paths in findings are relative to the directory given, or
// as given for a file.
func Review(ctx context.Context, paths []string, o Options) (*Report, error) {
	start := time.Now()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = 2 << 20
	}
	if o.Exclude == nil {
		o.Exclude = defaultExclude
	}
	srcs, err := collect(paths, o.Exclude)
	if err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("review %s: %w", strings.Join(paths, ", "), ErrNoSources)
	}
	rep := &Report{Files: len(srcs), Findings: []Finding{}}
	mods, ferrs, lines, size, err := parseAll(ctx, srcs, o)
	if err != nil {
		return nil, err
	}
	rep.Errors, rep.Lines, rep.Bytes = ferrs, lines, size
	if len(mods) == 0 && len(ferrs) > 0 {
		return nil, fmt.Errorf("review: no file could be parsed; %s: %s", ferrs[0].File, ferrs[0].Error)
	}
	if o.Analysis.Resource == nil {
		o.Analysis.Resource = resources(paths, o.Exclude)
	}
	found, err := taint.NewProject(mods).Analyze(ctx, o.Analysis)
	if err != nil {
		return nil, fmt.Errorf("analyse: %w", err)
	}
	rep.Findings = toFindings(found, srcs)
	rep.Duration = time.Since(start)
	o.Logger.InfoContext(ctx, "review done", "files", rep.Files, "lines", rep.Lines, "findings", len(rep.Findings), "duration", rep.Duration)
	return rep, nil
}

func collect(paths []string, exclude []string) ([]source, error) {
	skip := map[string]bool{}
	for _, e := range exclude {
		skip[e] = true
	}
	var out []source
	seen := map[string]bool{}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("review path %q: %w", p, err)
		}
		if !info.IsDir() {
			lang := langOf(p)
			if lang == "" {
				return nil, fmt.Errorf("review path %q: not a .py or .java file", p)
			}
			abs, _ := filepath.Abs(p)
			if !seen[abs] {
				seen[abs] = true
				out = append(out, source{path: filepath.ToSlash(p), abs: abs, root: filepath.Dir(p), lang: lang})
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && (skip[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			lang := langOf(path)
			if lang == "" || !d.Type().IsRegular() {
				return nil
			}
			abs, _ := filepath.Abs(path)
			if seen[abs] {
				return nil
			}
			seen[abs] = true
			rel, err := filepath.Rel(p, path)
			if err != nil {
				rel = path
			}
			out = append(out, source{path: filepath.ToSlash(rel), abs: abs, root: p, lang: lang})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("review path %q: %w", p, err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}

func langOf(p string) ir.Lang {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".py":
		return ir.Python
	case ".java":
		return ir.Java
	}
	return ""
}

// moduleName is a Python file's dotted module name relative to its root.
func moduleName(rel string) string {
	rel = strings.TrimSuffix(rel, ".py")
	rel = strings.TrimSuffix(rel, "/__init__")
	return strings.ReplaceAll(rel, "/", ".")
}

func parseAll(ctx context.Context, srcs []source, o Options) ([]*ir.Module, []FileError, int, int64, error) {
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	mods := make([]*ir.Module, len(srcs))
	errs := make([]error, len(srcs))
	lines := make([]int, len(srcs))
	sizes := make([]int64, len(srcs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				mods[i], lines[i], sizes[i], errs[i] = parseOne(ctx, srcs[i], o.MaxFileBytes)
			}
		}()
	}
	for i := range srcs {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, 0, 0, err
	}
	var out []*ir.Module
	var ferrs []FileError
	total, size := 0, int64(0)
	for i, m := range mods {
		total += lines[i]
		size += sizes[i]
		if errs[i] != nil {
			ferrs = append(ferrs, FileError{File: srcs[i].path, Error: errs[i].Error()})
			continue
		}
		if m != nil {
			out = append(out, m)
		}
	}
	return out, ferrs, total, size, nil
}

func parseOne(ctx context.Context, s source, max int64) (*ir.Module, int, int64, error) {
	info, err := os.Stat(s.abs)
	if err != nil {
		return nil, 0, 0, err
	}
	if info.Size() > max {
		return nil, 0, 0, fmt.Errorf("skipped: %d bytes is more than the %d-byte limit", info.Size(), max)
	}
	src, err := os.ReadFile(s.abs)
	if err != nil {
		return nil, 0, 0, err
	}
	n := bytes.Count(src, []byte{'\n'})
	m, err := ParseSource(ctx, s.lang, s.path, src)
	return m, n, int64(len(src)), err
}

// ParseSource parses one file's source into the IR.
func ParseSource(ctx context.Context, lang ir.Lang, path string, src []byte) (*ir.Module, error) {
	switch lang {
	case ir.Python:
		return python.Parse(ctx, path, moduleName(path), src)
	case ir.Java:
		return java.Parse(ctx, path, src)
	}
	return nil, fmt.Errorf("parse %s: unknown language %q", path, lang)
}

func toFindings(found []taint.Finding, srcs []source) []Finding {
	abs := map[string]string{}
	for _, s := range srcs {
		abs[s.path] = s.abs
	}
	lineText := lineCache{abs: abs, files: map[string][]string{}}
	occurrences := map[string]int{}
	out := make([]Finding, 0, len(found))
	for _, f := range found {
		r, ok := rule.Get(f.Rule)
		if !ok {
			continue
		}
		fd := Finding{Rule: r.ID, Name: r.Name, CWE: r.CWE, Severity: r.Severity, File: f.File, Line: f.Pos.Line, Column: f.Pos.Col,
			Message: r.Message, Source: f.Source, Sink: f.Sink, Recommendation: r.Recommendation, Fix: r.Fix}
		if f.Detail != "" {
			fd.Message = r.Message + " (" + f.Detail + ")"
		}
		if localSource(f.Source) && fd.Severity > rule.Low {
			// the command line, the environment and stdin belong to whoever
			// runs the program: a finding from them weighs one level less
			fd.Severity--
		}
		if len(f.Path) > 1 {
			fd.Message = fmt.Sprintf("%s Data flows from %s to %s.", r.Message, describe(f.Path[0]), f.Sink)
			for _, st := range f.Path {
				fd.Path = append(fd.Path, Location{File: st.File, Line: st.Pos.Line, Column: st.Pos.Col, Note: st.Note})
			}
		}
		text := strings.TrimSpace(lineText.get(f.File, f.Pos.Line))
		key := r.ID + "\x00" + f.File + "\x00" + text
		n := occurrences[key]
		occurrences[key] = n + 1
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d", key, n)))
		fd.Fingerprint = hex.EncodeToString(sum[:12])
		out = append(out, fd)
	}
	return out
}

func describe(s taint.Step) string {
	if s.Pos.Line > 0 {
		return fmt.Sprintf("%s (line %d)", s.Note, s.Pos.Line)
	}
	return s.Note
}

type lineCache struct {
	abs   map[string]string
	files map[string][]string
}

func (c lineCache) get(file string, line int) string {
	ls, ok := c.files[file]
	if !ok {
		if p, ok := c.abs[file]; ok {
			if f, err := os.Open(p); err == nil {
				sc := bufio.NewScanner(f)
				sc.Buffer(make([]byte, 64*1024), 4<<20)
				for sc.Scan() {
					ls = append(ls, sc.Text())
				}
				f.Close()
			}
		}
		c.files[file] = ls
	}
	if line >= 1 && line <= len(ls) {
		return ls[line-1]
	}
	return ""
}

// Counts returns the number of findings at each severity.
func (r *Report) Counts() map[rule.Severity]int {
	out := map[rule.Severity]int{}
	for _, f := range r.Findings {
		out[f.Severity]++
	}
	return out
}

// AtLeast returns the findings at or above severity s.
func (r *Report) AtLeast(s rule.Severity) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity >= s {
			out = append(out, f)
		}
	}
	return out
}

// resources finds the .properties files under paths, by base name and by
// path relative to the root, for Properties.load.
func resources(paths []string, exclude []string) func(string) ([]byte, bool) {
	skip := map[string]bool{}
	for _, e := range exclude {
		skip[e] = true
	}
	found := map[string]string{}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil || !info.IsDir() {
			continue
		}
		_ = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if path != p && (skip[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(d.Name(), ".properties") {
				if _, dup := found[d.Name()]; !dup {
					found[d.Name()] = path
				}
				if rel, err := filepath.Rel(p, path); err == nil {
					found[filepath.ToSlash(rel)] = path
				}
			}
			return nil
		})
	}
	return func(name string) ([]byte, bool) {
		name = strings.TrimPrefix(filepath.ToSlash(name), "/")
		p, ok := found[name]
		if !ok {
			p, ok = found[filepath.Base(name)]
		}
		if !ok {
			return nil, false
		}
		data, err := os.ReadFile(p)
		if err != nil || len(data) > 1<<20 {
			return nil, false
		}
		return data, true
	}
}

// localSource reports whether a source is local to the machine running the
// code (command line, environment, standard input) rather than remote.
func localSource(src string) bool {
	switch src {
	case "sys.argv", "os.environ", "os.environ.get()", "os.getenv()", "sys.stdin", "sys.stdin.read()",
		"sys.stdin.readline()", "sys.stdin.readlines()", "input()", "raw_input()", "command-line arguments", "System.getenv":
		return true
	}
	return false
}
