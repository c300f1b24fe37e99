package remediate_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate"
	"github.com/tendhq/tend/internal/remediate/policy"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/store/storetest"
)

// lineEditor is a minimal test editor: it reads and replaces the first
// "InstanceType: x" line.
type lineEditor struct{}

var _ catalog.Editor = lineEditor{}

var instanceTypeLine = regexp.MustCompile(`(?m)^(\s*InstanceType:\s*)(\S+)\s*$`)

func (lineEditor) InstanceType(tmpl []byte, _ string) (string, error) {
	m := instanceTypeLine.FindSubmatch(tmpl)
	if m == nil {
		return "", fmt.Errorf("no InstanceType line")
	}
	return string(m[2]), nil
}

func (lineEditor) SetInstanceType(tmpl []byte, _ string, t string) ([]byte, error) {
	loc := instanceTypeLine.FindSubmatchIndex(tmpl)
	if loc == nil {
		return nil, fmt.Errorf("no InstanceType line")
	}
	out := append([]byte{}, tmpl[:loc[4]]...)
	out = append(out, t...)
	return append(out, tmpl[loc[5]:]...), nil
}

const template = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Workstation:
    Type: AWS::EC2::Instance
    Properties:
      InstanceType: t3.small
      ImageId: ami-0123456789abcdef0
`

// clock is a controllable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)} }

type fixture struct {
	st    *sqlstore.DB
	cat   *embedded.Catalog
	clock *clock
	pols  *policy.Set
	// foreign makes the engine see the catalog as one outside tend's
	// store (git, Service Catalog): it records a publish on its own.
	foreign bool
}

// foreignCatalog hides that the embedded catalog records a publish with
// the version, as catalogs outside tend's store do.
type foreignCatalog struct{ catalog.Catalog }

func (c foreignCatalog) Publish(ctx context.Context, product string, p catalog.Publish) (catalog.Version, error) {
	p.Record = nil
	return c.Catalog.Publish(ctx, product, p)
}

func newFixture(t *testing.T, st *sqlstore.DB, policyYAML string) *fixture {
	t.Helper()
	ctx := context.Background()
	ps, errs := policy.Parse("test.yaml", []byte(policyYAML))
	if len(errs) > 0 {
		t.Fatalf("policy: %v", errs)
	}
	f := &fixture{st: st, clock: newClock(), pols: &policy.Set{Policies: ps}}
	f.cat = embedded.New(st.Catalog(), f.clock.Now)
	if _, err := f.cat.Publish(ctx, "workstation", catalog.Publish{Template: []byte(template), Format: catalog.FormatCFNYAML, Description: "initial"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Params().Set(ctx, "/dynatrace/approvedinstancetypes", "t3.small, t3.medium,t3.large", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) engine(t *testing.T, owner string) *remediate.Engine {
	t.Helper()
	var cat catalog.Catalog = f.cat
	if f.foreign {
		cat = foreignCatalog{f.cat}
	}
	e, err := remediate.New(remediate.Options{
		Store: f.st, Policies: f.pols, Catalog: cat, Params: remediate.StoreParams{Store: f.st.Params()},
		Editors: remediate.Editors{catalog.FormatCFNYAML: lineEditor{}},
		Monitors: func(source string) remediate.Monitor {
			return remediate.StoreMonitor{Store: f.st.Problems(), Source: source, Now: f.clock.Now}
		},
		Now: f.clock.Now, Owner: owner, Lease: 10 * time.Second,
		BaseURL: func() string { return "http://tend.test" },
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

const seedPolicy = `
name: upsize-on-cpu-saturation
match:
  source: [dynatrace, api]
  event_type: CPU_SATURATION
  state: OPEN
  entity_type: HOST
qualify:
  occurrences: 3
  within: 1h
act:
  action: upsize-instance
  params:
    approved_types_param: /dynatrace/approvedinstancetypes
    product_from: [tag]
guards:
  cooldown: 24h
`

func cpuProblem(pid string) problem.Problem {
	return problem.Problem{
		Source: problem.SourceDynatrace, ExternalID: pid, DisplayID: "P-" + pid, Title: "CPU saturation",
		State: problem.StateOpen, EventType: "CPU_SATURATION", Impact: "INFRASTRUCTURE",
		Entities: []problem.Entity{{ID: "HOST-0A1B2C3D4E5F", Type: "HOST", Name: "ws-1", Tags: map[string]string{"tend-product": "workstation"}}},
	}
}

func submit(t *testing.T, e *remediate.Engine, p problem.Problem) problem.Receipt {
	t.Helper()
	r, err := e.Submit(context.Background(), p)
	if err != nil {
		t.Fatalf("Submit(%s): %v", p.ExternalID, err)
	}
	return r
}

func drain(t *testing.T, e *remediate.Engine) {
	t.Helper()
	if _, err := e.Drain(context.Background()); err != nil {
		t.Fatalf("Drain: %v", err)
	}
}

func (f *fixture) versions(t *testing.T) []catalog.Version {
	t.Helper()
	vs, err := f.cat.Versions(context.Background(), "workstation")
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func (f *fixture) comments(t *testing.T, pid string) []store.Comment {
	t.Helper()
	cs, err := f.st.Problems().Comments(context.Background(), problem.SourceDynatrace, pid)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func (f *fixture) allComments(t *testing.T, pids ...string) int {
	n := 0
	for _, p := range pids {
		n += len(f.comments(t, p))
	}
	return n
}

func TestSeedScenario(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b.Open(t), seedPolicy)
			e := f.engine(t, "w1")
			pids := []string{"101", "102", "103"}
			for _, pid := range pids {
				submit(t, e, cpuProblem(pid))
				// Dynatrace re-sends: identical deliveries count once.
				if r := submit(t, e, cpuProblem(pid)); !r.Duplicate {
					t.Fatalf("second identical delivery of %s not recognised as duplicate", pid)
				}
				f.clock.Add(time.Minute)
			}
			drain(t, e)
			vs := f.versions(t)
			if len(vs) != 2 {
				t.Fatalf("versions = %d, want 2 (v1 + one upsize)", len(vs))
			}
			if !strings.Contains(string(vs[1].Template), "InstanceType: t3.medium") {
				t.Fatalf("v2 template:\n%s", vs[1].Template)
			}
			if !strings.Contains(vs[1].Description, "t3.small → t3.medium after 3 × CPU_SATURATION on HOST-0A1B2C3D4E5F") {
				t.Fatalf("v2 description = %q", vs[1].Description)
			}
			if n := f.allComments(t, pids...); n != 1 {
				t.Fatalf("comments = %d, want 1", n)
			}
			// A fourth delivery, changed: a new occurrence, but it does not
			// qualify again on its own (and the cooldown holds anyway).
			p := cpuProblem("103")
			p.Title = "CPU saturation (merged)"
			if r := submit(t, e, p); r.Duplicate {
				t.Fatal("changed delivery reported as duplicate")
			}
			drain(t, e)
			if len(f.versions(t)) != 2 || f.allComments(t, pids...) != 1 {
				t.Fatal("a changed delivery acted again")
			}
			runs, _ := f.st.Runs().List(context.Background(), store.RunFilter{})
			outcomes := map[string]int{}
			for _, r := range runs {
				outcomes[r.Outcome]++
			}
			if outcomes[remediate.OutcomeActed] != 1 || outcomes[remediate.OutcomeNotQualified] != 3 {
				t.Fatalf("outcomes = %v", outcomes)
			}
			// The run that acted is one of tend's own change events, on
			// the host it acted on.
			evs := f.runEvents(t)
			if len(evs) != 1 {
				t.Fatalf("events = %+v, want the acting run's", evs)
			}
			ev := evs[0]
			if ev.Class != store.EventInfrastructure || ev.Source != "tend" || ev.Resources[0].ID != "HOST-0A1B2C3D4E5F" || ev.Resources[0].Name != "ws-1" ||
				ev.Details["change"] != "InstanceType t3.small → t3.medium" || ev.Details["version"] != vs[1].ID || ev.Details["problem"] == "" {
				t.Fatalf("event = %+v", ev)
			}
		})
	}
}

// TestCrashAfterActing stops a run right after a side effect and before
// its record, then lets another process resume it: still one version and
// one comment. With the embedded catalog the version and the act step's
// record commit together, so there is no such moment after acting; a
// catalog outside tend's store (foreign) has one.
func TestCrashAfterActing(t *testing.T) {
	for _, tc := range []struct {
		step    string
		foreign bool
	}{{remediate.StepAct, true}, {remediate.StepReport, true}, {remediate.StepReport, false}} {
		name := tc.step + "/embedded"
		if tc.foreign {
			name = tc.step + "/foreign"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, storetest.OpenSQLite(t), strings.Replace(seedPolicy, "occurrences: 3", "occurrences: 1", 1))
			f.foreign = tc.foreign
			e := f.engine(t, "w1")
			crashed := false
			e.SetFault(func(_, s string) error {
				if s == tc.step && !crashed {
					crashed = true
					return remediate.Crash
				}
				return nil
			})
			submit(t, e, cpuProblem("201"))
			drain(t, e)
			if !crashed {
				t.Fatal("fault not reached")
			}
			runs, _ := f.st.Runs().List(context.Background(), store.RunFilter{})
			steps, _ := f.st.Runs().Steps(context.Background(), runs[0].ID)
			last := steps[len(steps)-1].Name
			if tc.step == remediate.StepReport && last != remediate.StepAct {
				t.Fatalf("after a crash in report the last recorded step is %s, want act", last)
			}
			// Restart: another process, after the lease ran out.
			f.clock.Add(time.Minute)
			e2 := f.engine(t, "w2")
			drain(t, e2)
			if n := len(f.versions(t)); n != 2 {
				t.Fatalf("versions = %d, want 2", n)
			}
			if n := len(f.comments(t, "201")); n != 1 {
				t.Fatalf("comments = %d, want 1", n)
			}
			runs, _ = f.st.Runs().List(context.Background(), store.RunFilter{})
			if len(runs) != 1 || runs[0].Outcome != remediate.OutcomeActed || runs[0].State != store.RunDone {
				t.Fatalf("run = %+v", runs)
			}
			if evs := f.runEvents(t); len(evs) != 1 || evs[0].Key != "run/"+runs[0].ID {
				t.Fatalf("events = %+v, want one for run %s", evs, runs[0].ID)
			}
		})
	}
}

// runEvents lists the events self-healing runs recorded.
func (f *fixture) runEvents(t *testing.T) []store.Event {
	t.Helper()
	page, err := f.st.Events().List(context.Background(), store.EventFilter{Sources: []string{"tend"}})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Event
	for _, ev := range page.Events {
		if ev.Name == remediate.EventName {
			out = append(out, ev)
		}
	}
	return out
}

func TestAlreadyLargest(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t), strings.Replace(seedPolicy, "occurrences: 3", "occurrences: 1", 1))
	ctx := context.Background()
	if _, err := f.st.Params().Set(ctx, "/dynatrace/approvedinstancetypes", "t3.micro,t3.small", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e := f.engine(t, "w1")
	submit(t, e, cpuProblem("301"))
	drain(t, e)
	if n := len(f.versions(t)); n != 1 {
		t.Fatalf("versions = %d, want 1", n)
	}
	cs := f.comments(t, "301")
	if len(cs) != 1 || !strings.Contains(cs[0].Content, "already the largest approved type") {
		t.Fatalf("comments = %+v", cs)
	}
}

func TestModes(t *testing.T) {
	ctx := context.Background()
	t.Run("dry-run", func(t *testing.T) {
		f := newFixture(t, storetest.OpenSQLite(t), strings.Replace(seedPolicy, "occurrences: 3", "occurrences: 1", 1)+"mode: dry-run\n")
		e := f.engine(t, "w1")
		submit(t, e, cpuProblem("401"))
		drain(t, e)
		if n := len(f.versions(t)); n != 1 {
			t.Fatalf("versions = %d, want 1", n)
		}
		cs := f.comments(t, "401")
		if len(cs) != 1 || !strings.Contains(cs[0].Content, "would change catalog product workstation: InstanceType t3.small → t3.medium") {
			t.Fatalf("comments = %+v", cs)
		}
	})
	t.Run("approve", func(t *testing.T) {
		f := newFixture(t, storetest.OpenSQLite(t), strings.Replace(seedPolicy, "occurrences: 3", "occurrences: 1", 1)+"mode: approve\n")
		e := f.engine(t, "w1")
		rec := submit(t, e, cpuProblem("402"))
		drain(t, e)
		r, err := f.st.Runs().Get(ctx, rec.RunIDs[0])
		if err != nil || r.State != store.RunWaiting {
			t.Fatalf("run = %+v, %v; want waiting", r, err)
		}
		if n := len(f.versions(t)); n != 1 {
			t.Fatalf("acted before approval: %d versions", n)
		}
		if _, err := f.st.Runs().Approve(ctx, r.ID, "alice", f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		drain(t, e)
		if n := len(f.versions(t)); n != 2 {
			t.Fatalf("versions after approval = %d, want 2", n)
		}
		r, _ = f.st.Runs().Get(ctx, r.ID)
		if r.Outcome != remediate.OutcomeActed {
			t.Fatalf("outcome = %s", r.Outcome)
		}
		steps, _ := f.st.Runs().Steps(ctx, r.ID)
		var names []string
		for _, s := range steps {
			names = append(names, s.Name+":"+s.Status)
		}
		want := "enrich:ok qualify:ok resolve:ok decide:ok approval:waiting approval:ok guard:ok act:ok report:ok"
		if got := strings.Join(names, " "); got != want {
			t.Fatalf("steps = %s\nwant    %s", got, want)
		}
	})
}

func TestCooldown(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t), strings.Replace(seedPolicy, "occurrences: 3", "occurrences: 1", 1))
	e := f.engine(t, "w1")
	submit(t, e, cpuProblem("501"))
	drain(t, e)
	f.clock.Add(time.Hour)
	submit(t, e, cpuProblem("502"))
	drain(t, e)
	if n := len(f.versions(t)); n != 2 {
		t.Fatalf("versions = %d, want 2 (second run in cooldown)", n)
	}
	f.clock.Add(24 * time.Hour)
	submit(t, e, cpuProblem("503"))
	drain(t, e)
	vs := f.versions(t)
	if len(vs) != 3 || !strings.Contains(string(vs[2].Template), "t3.large") {
		t.Fatalf("after cooldown: %d versions", len(vs))
	}
}

func TestNextType(t *testing.T) {
	approved := []string{"t3.small", "t3.medium", "t3.large"}
	for _, tc := range []struct {
		cur, max, next string
		change         bool
	}{
		{"t3.small", "", "t3.medium", true},
		{"t3.medium", "", "t3.large", true},
		{"t3.large", "", "", false},
		{"m5.large", "", "", false},
		{"t3.medium", "t3.medium", "", false},
		{"T3.SMALL", "", "t3.medium", true},
	} {
		d := remediate.NextType(approved, tc.cur, tc.max)
		if d.Next != tc.next || d.Change != tc.change || d.Reason == "" {
			t.Errorf("NextType(%s, max %q) = %+v, want %s %v", tc.cur, tc.max, d, tc.next, tc.change)
		}
	}
}
