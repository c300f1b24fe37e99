package dynatrace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/cloud/dynatrace/dynatracetest"
	"github.com/tendhq/tend/internal/problem"
)

const (
	pid    = "-7001863467553125449_1606215300000V2"
	hostID = "HOST-A1B2C3D4E5F60789"
)

// sleeps records the waits a client asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func newTestClient(t *testing.T, cfg Config, logger *slog.Logger) (*Client, *dynatracetest.Fake, *sleeps) {
	t.Helper()
	fake := dynatracetest.NewFake()
	t.Cleanup(fake.Close)
	fake.AddProblem(dynatracetest.CPUSaturation(pid, "P-201123", hostID, "web-1"))
	fake.AddEntity(dynatracetest.EC2Host(hostID, "web-1", "i-0abc123def4567890", "t3.small", map[string]string{
		"aws:servicecatalog:productArn": "arn:aws:catalog:eu-west-1:123456789012:product/prod-abcdefgh12345",
	}))
	if cfg.BaseURL == "" {
		cfg.BaseURL = fake.URL
	}
	if cfg.Token == "" {
		cfg.Token = dynatracetest.Token
	}
	c, err := New(cfg, fake.Client(), logger)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	c.sleep = s.sleep
	c.jitter = func(d time.Duration) time.Duration { return d } // the upper bound, deterministic
	return c, fake, s
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Token: "t"}, "base_url is required"},
		{Config{BaseURL: "ftp://x", Token: "t"}, "absolute http(s) URL"},
		{Config{BaseURL: "abc.live.dynatrace.com", Token: "t"}, "absolute http(s) URL"},
		{Config{BaseURL: "https://abc.live.dynatrace.com"}, "token is required"},
		{Config{BaseURL: "https://abc.live.dynatrace.com", Token: "a b"}, "whitespace"},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg, nil, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) err = %v, want %q", tt.cfg, err, tt.want)
		}
	}
	c, err := New(Config{BaseURL: "https://gw.example:9999/e/abc/api/v2/", Token: "t"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.base.String(); got != "https://gw.example:9999/e/abc" {
		t.Errorf("base = %q", got)
	}
}

func TestProblemAndEntity(t *testing.T) {
	c, fake, _ := newTestClient(t, Config{}, nil)
	ctx := context.Background()
	p, err := c.Problem(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	if p.EventType != "CPU_SATURATION" || p.Impact != "INFRASTRUCTURE" || p.DisplayID != "P-201123" ||
		p.State != problem.StateOpen || p.RootCause == nil || p.RootCause.ID != hostID || len(p.Entities) != 1 {
		t.Errorf("problem = %+v", p)
	}
	if want := fake.URL + "/#problems/problemdetails;pid=" + pid; p.URL != want {
		t.Errorf("URL = %q, want %q", p.URL, want)
	}
	e, err := c.Entity(ctx, hostID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Properties[PropAWSInstanceID] != "i-0abc123def4567890" || e.Properties[PropAWSInstanceType] != "t3.small" ||
		e.Tags["aws:servicecatalog:productArn"] == "" || e.Type != "HOST" {
		t.Errorf("entity = %+v", e)
	}
	for _, r := range fake.Requests() {
		if !r.Auth {
			t.Errorf("request %s %s without the Api-Token", r.Method, r.Path)
		}
	}
}

func TestNotFoundAndAuth(t *testing.T) {
	c, fake, s := newTestClient(t, Config{}, nil)
	ctx := context.Background()
	_, err := c.Problem(ctx, "nope")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "GET /api/v2/problems/{problemId}: status 404") {
		t.Errorf("err = %v, want ErrNotFound naming the call", err)
	}
	if _, err := c.Entity(ctx, "HOST-NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("entity err = %v", err)
	}
	if len(s.all()) != 0 {
		t.Errorf("404 retried: %v", s.all())
	}
	bad, err := New(Config{BaseURL: fake.URL, Token: "wrong"}, fake.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Problem(ctx, pid)
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized || !strings.Contains(err.Error(), "check the API token") {
		t.Errorf("err = %v, want 401 advice", err)
	}
	if _, err := c.Problem(ctx, "../entities/HOST-1"); err == nil || !strings.Contains(err.Error(), "characters") {
		t.Errorf("path traversal id accepted: %v", err)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		maxRetries int
		fail       func(f *dynatracetest.Fake)
		wantErr    string
		wantSleeps []time.Duration
		wantCalls  int
	}{
		{
			name:       "429 honours Retry-After",
			fail:       func(f *dynatracetest.Fake) { f.Fail("problems", 1, 429, "7") },
			wantSleeps: []time.Duration{7 * time.Second},
			wantCalls:  2,
		},
		{
			name:       "503 backs off exponentially",
			fail:       func(f *dynatracetest.Fake) { f.Fail("problems", 2, 503, "") },
			wantSleeps: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond},
			wantCalls:  3,
		},
		{
			name:       "gives up after MaxRetries",
			maxRetries: 2,
			fail:       func(f *dynatracetest.Fake) { f.Fail("problems", 5, 503, "") },
			wantErr:    "status 503: Service Unavailable (gave up after 3 attempts)",
			wantSleeps: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond},
			wantCalls:  3,
		},
		{
			name:      "Retry-After beyond MaxRetryAfter is not waited for",
			fail:      func(f *dynatracetest.Fake) { f.Fail("problems", 1, 429, "3600") },
			wantErr:   "status 429: Too many requests (the server asked to retry after 1h0m0s, longer than the 1m0s tend waits)",
			wantCalls: 1,
		},
		{
			name:       "retries disabled",
			maxRetries: -1,
			fail:       func(f *dynatracetest.Fake) { f.Fail("problems", 1, 500, "") },
			wantErr:    "status 500",
			wantCalls:  1,
		},
		{
			name:      "400 is not retried",
			fail:      func(f *dynatracetest.Fake) { f.Fail("problems", 1, 400, "") },
			wantErr:   "status 400",
			wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fake, s := newTestClient(t, Config{MaxRetries: tt.maxRetries, RetryBaseDelay: 100 * time.Millisecond}, nil)
			tt.fail(fake)
			_, err := c.Problem(context.Background(), pid)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if got := s.all(); fmt.Sprint(got) != fmt.Sprint(tt.wantSleeps) {
				t.Errorf("sleeps = %v, want %v", got, tt.wantSleeps)
			}
			if got := len(fake.Requests()); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	fake := dynatracetest.NewFake()
	defer fake.Close()
	fake.AddProblem(dynatracetest.CPUSaturation(pid, "P-1", hostID, "h"))
	fake.Fail("problems", 1, 503, "30")
	c, err := New(Config{BaseURL: fake.URL, Token: dynatracetest.Token}, fake.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Problem(ctx, pid)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("waited for Retry-After despite the context")
	}
}

func TestCommentsPaginateNewestFirst(t *testing.T) {
	c, fake, _ := newTestClient(t, Config{}, nil)
	for i := range 23 {
		fake.AddComment(pid, dynatracetest.Comment{CreatedAtTimestamp: int64(1000 + i), Content: fmt.Sprintf("c%d", i), AuthorName: "ops"})
	}
	got, err := c.Comments(context.Background(), pid)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 23 || got[0].Content != "c22" || got[22].Content != "c0" || got[0].Author != "ops" {
		t.Fatalf("comments = %d, first %+v", len(got), got)
	}
}

func TestCommentsFollowNextPageKey(t *testing.T) {
	fake := dynatracetest.NewFake()
	defer fake.Close()
	fake.AddProblem(dynatracetest.CPUSaturation(pid, "P-1", hostID, "h"))
	for i := range 1203 {
		fake.AddComment(pid, dynatracetest.Comment{CreatedAtTimestamp: int64(i), Content: fmt.Sprint(i)})
	}
	c, err := New(Config{BaseURL: fake.URL, Token: dynatracetest.Token}, fake.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Comments(context.Background(), pid)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1203 || got[0].Content != "1202" {
		t.Fatalf("got %d comments, first %v", len(got), got[0])
	}
	pages := 0
	for _, r := range fake.Requests() {
		if strings.HasSuffix(r.Path, "/comments") {
			pages++
			if strings.Contains(r.Query, "nextPageKey") && strings.Contains(r.Query, "pageSize") {
				t.Errorf("nextPageKey sent with other parameters: %s", r.Query)
			}
		}
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3 (500 per page)", pages)
	}
}

func TestCommentPostsOnce(t *testing.T) {
	tests := []struct {
		name string
		fail func(f *dynatracetest.Fake)
	}{
		{"plain", func(*dynatracetest.Fake) {}},
		{"429 before acting", func(f *dynatracetest.Fake) { f.Fail("comments", 1, 429, "1") }},
		{"503 before acting", func(f *dynatracetest.Fake) { f.Fail("comments", 2, 503, "") }},
		{"response lost after acting", func(f *dynatracetest.Fake) { f.LoseResponse(502) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fake, _ := newTestClient(t, Config{}, nil)
			tt.fail(fake)
			text := "tend: InstanceType t3.small → t3.medium (v2) [tend-run:r1]"
			if err := c.Comment(context.Background(), pid, text); err != nil {
				t.Fatal(err)
			}
			got := fake.Comments(pid)
			if len(got) != 1 || got[0].Content != text || got[0].Context != CommentContext {
				t.Fatalf("comments = %+v, want exactly one", got)
			}
		})
	}
}

func TestCommentValidates(t *testing.T) {
	c, fake, _ := newTestClient(t, Config{}, nil)
	if err := c.Comment(context.Background(), pid, "  "); err == nil {
		t.Error("empty comment accepted")
	}
	if err := c.Comment(context.Background(), "missing", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
	if n := len(fake.Comments(pid)); n != 0 {
		t.Errorf("%d comments posted", n)
	}
}

func TestTokenNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, fake, _ := newTestClient(t, Config{}, logger)
	fake.Fail("problems", 2, 503, "")
	if _, err := c.Problem(context.Background(), pid); err != nil {
		t.Fatal(err)
	}
	logger.Info("config", "dynatrace", c.cfg)
	if buf.Len() == 0 {
		t.Fatal("nothing logged; the test checks nothing")
	}
	if strings.Contains(buf.String(), dynatracetest.Token) {
		t.Errorf("token in log:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "[redacted]") {
		t.Errorf("config not logged redacted:\n%s", buf.String())
	}
}
