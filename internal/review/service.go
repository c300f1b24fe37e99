package review

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/review/rule"
	"github.com/tendhq/tend/internal/store"
)

// Service reviews code submitted to tend (POST /v1/reviews) and keeps the
// results as review events on the product, where a rollout gate reads them.
type Service struct {
	store store.Reviews
	log   *slog.Logger
	now   func() time.Time
	roots []string
	opts  Options
	// MaxArchiveBytes bounds what a tarball may unpack to (default 256 MiB).
	maxUnpacked int64
}

// ServiceOptions are a Service's dependencies.
type ServiceOptions struct {
	Store  store.Reviews
	Logger *slog.Logger
	Now    func() time.Time
	// Repositories are the directories under which a submission may name a
	// git repository to review; none means git submissions are refused.
	Repositories []string
	// MaxUnpackedBytes bounds a tarball's unpacked size (default 256 MiB).
	MaxUnpackedBytes int64
	Review           Options
}

// NewService builds the service; it starts nothing.
func NewService(o ServiceOptions) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxUnpackedBytes <= 0 {
		o.MaxUnpackedBytes = 256 << 20
	}
	return &Service{store: o.Store, log: o.Logger, now: o.Now, roots: o.Repositories, opts: o.Review, maxUnpacked: o.MaxUnpackedBytes}
}

// Submission is code to review: a tarball, or a git ref in a repository
// under one of the service's repository roots.
type Submission struct {
	Product    string
	Version    int
	Tarball    io.Reader // a .tar or .tar.gz stream
	Repository string    // a git repository's directory
	Ref        string    // the git ref to review (default HEAD)
}

// InvalidError is a submission that cannot be reviewed: the field and why.
type InvalidError struct{ Field, Reason string }

func (e *InvalidError) Error() string { return e.Field + ": " + e.Reason }

var productRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$`)
var refRe = regexp.MustCompile(`^[A-Za-z0-9._/@^~{}-]{1,200}$`)

// Submit reviews the submission and stores the result.
func (s *Service) Submit(ctx context.Context, sub Submission) (store.Review, *Report, error) {
	if !productRe.MatchString(sub.Product) {
		return store.Review{}, nil, &InvalidError{"product", "must be 1–200 letters, digits and ._:/- (got " + fmt.Sprintf("%q", sub.Product) + ")"}
	}
	if sub.Version < 0 {
		return store.Review{}, nil, &InvalidError{"version", "must be 0 (none) or a catalog version number"}
	}
	dir, err := os.MkdirTemp("", "tend-review-")
	if err != nil {
		return store.Review{}, nil, fmt.Errorf("review: %w", err)
	}
	defer os.RemoveAll(dir)
	rec := store.Review{Product: sub.Product, Version: sub.Version, CreatedAt: s.now().UTC()}
	switch {
	case sub.Tarball != nil && sub.Repository != "":
		return store.Review{}, nil, &InvalidError{"repository", "give a tarball or a repository, not both"}
	case sub.Tarball != nil:
		sum, err := s.untar(sub.Tarball, dir)
		if err != nil {
			return store.Review{}, nil, err
		}
		rec.Source, rec.Ref = "tarball", sum
	case sub.Repository != "":
		ref := sub.Ref
		if ref == "" {
			ref = "HEAD"
		}
		if !refRe.MatchString(ref) || strings.HasPrefix(ref, "-") {
			return store.Review{}, nil, &InvalidError{"ref", fmt.Sprintf("%q is not a git ref", ref)}
		}
		repo, err := s.allowed(sub.Repository)
		if err != nil {
			return store.Review{}, nil, err
		}
		if err := s.gitArchive(ctx, repo, ref, dir); err != nil {
			return store.Review{}, nil, err
		}
		rec.Source, rec.Ref = "git", ref
	default:
		return store.Review{}, nil, &InvalidError{"body", "send a tarball (Content-Type application/gzip or application/x-tar) or JSON with a repository and ref"}
	}
	rep, err := Review(ctx, []string{dir}, s.opts)
	if errors.Is(err, ErrNoSources) {
		return store.Review{}, nil, &InvalidError{"body", "the code holds no Python or Java file"}
	}
	if err != nil {
		return store.Review{}, nil, err
	}
	c := rep.Counts()
	rec.Files, rec.Lines = rep.Files, rep.Lines
	rec.Critical, rec.High, rec.Medium, rec.Low, rec.Note = c[rule.Critical], c[rule.High], c[rule.Medium], c[rule.Low], c[rule.Note]
	if rec.Report, err = json.Marshal(rep); err != nil {
		return store.Review{}, nil, fmt.Errorf("encode review: %w", err)
	}
	rec.ID = newID(rec.CreatedAt)
	if err := s.store.Add(ctx, rec); err != nil {
		return store.Review{}, nil, fmt.Errorf("store review of %s: %w", sub.Product, err)
	}
	s.log.InfoContext(ctx, "review stored", "id", rec.ID, "product", rec.Product, "source", rec.Source, "files", rec.Files, "high", rec.High, "critical", rec.Critical)
	return rec, rep, nil
}

func newID(t time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "rv_" + t.Format("20060102T150405") + "_" + hex.EncodeToString(b[:])
}

// untar unpacks regular files of a (gzipped) tar into dir and returns the
// stream's SHA-256. Paths that leave dir, links and devices are refused or
// skipped; the unpacked size is bounded.
func (s *Service) untar(r io.Reader, dir string) (string, error) {
	h := sha256.New()
	br := io.TeeReader(r, h)
	var head [2]byte
	n, _ := io.ReadFull(br, head[:])
	var src io.Reader = io.MultiReader(bytes.NewReader(head[:n]), br)
	if n == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(src)
		if err != nil {
			return "", &InvalidError{"body", "not a gzip stream: " + err.Error()}
		}
		defer zr.Close()
		src = zr
	}
	tr := tar.NewReader(src)
	var total int64
	files := 0
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", &InvalidError{"body", "not a tar archive: " + err.Error()}
		}
		if hd.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.Clean("/" + hd.Name)[1:]
		if name == "" || strings.HasPrefix(hd.Name, "/") || strings.Contains("/"+filepath.ToSlash(hd.Name)+"/", "/../") {
			return "", &InvalidError{"body", fmt.Sprintf("archive entry %q leaves the archive", hd.Name)}
		}
		if langOf(name) == "" {
			continue
		}
		total += hd.Size
		if total > s.maxUnpacked {
			return "", &InvalidError{"body", fmt.Sprintf("the archive unpacks to more than %d bytes", s.maxUnpacked)}
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", fmt.Errorf("unpack: %w", err)
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return "", fmt.Errorf("unpack: %w", err)
		}
		_, err = io.Copy(f, io.LimitReader(tr, hd.Size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("unpack %s: %w", name, err)
		}
		files++
	}
	// drain so the hash covers the whole stream
	_, _ = io.Copy(io.Discard, br)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// allowed resolves a repository path and checks it lies under a root.
func (s *Service) allowed(repo string) (string, error) {
	if len(s.roots) == 0 {
		return "", &InvalidError{"repository", "this tend reviews no git repositories (set review.repositories)"}
	}
	abs, err := filepath.Abs(repo)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return "", &InvalidError{"repository", fmt.Sprintf("%q cannot be read: %v", repo, err)}
	}
	for _, root := range s.roots {
		r, err := filepath.Abs(root)
		if err == nil {
			if rr, err := filepath.EvalSymlinks(r); err == nil {
				r = rr
			}
		}
		if rel, err := filepath.Rel(r, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return abs, nil
		}
	}
	return "", &InvalidError{"repository", fmt.Sprintf("%q is not under review.repositories", repo)}
}

func (s *Service) gitArchive(ctx context.Context, repo, ref, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", ref, "--")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("git archive: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git archive: %w", err)
	}
	_, uerr := s.untar(out, dir)
	werr := cmd.Wait()
	if werr != nil {
		return &InvalidError{"ref", fmt.Sprintf("git archive %s in %s: %s", ref, repo, strings.TrimSpace(stderr.String()))}
	}
	return uerr
}

// Gate answers a rollout's question: may a version of this product roll
// out, given its latest security review? A future rollout gate option
// block_on_review: <severity> calls Check with that severity.
type Gate interface {
	Check(ctx context.Context, product string, atLeast rule.Severity) (GateResult, error)
}

var _ Gate = (*Service)(nil)

// GateResult is the gate's answer.
type GateResult struct {
	Blocked  bool   // the latest review has findings at or above the severity
	ReviewID string // the review decided on; empty when the product has none
	Findings int    // findings at or above the severity
	Reason   string
}

// Check reports whether product's latest review has findings at or above
// atLeast. A product never reviewed is not blocked (Reason says so).
func (s *Service) Check(ctx context.Context, product string, atLeast rule.Severity) (GateResult, error) {
	return CheckLatest(ctx, s.store, product, atLeast)
}

// StoreGate is the Gate over a review store.
type StoreGate struct{ Reviews store.Reviews }

var _ Gate = StoreGate{}

// Check implements Gate.
func (g StoreGate) Check(ctx context.Context, product string, atLeast rule.Severity) (GateResult, error) {
	return CheckLatest(ctx, g.Reviews, product, atLeast)
}

// CheckLatest is the gate over any review store.
func CheckLatest(ctx context.Context, st store.Reviews, product string, atLeast rule.Severity) (GateResult, error) {
	r, err := st.Latest(ctx, product)
	if errors.Is(err, store.ErrNotFound) {
		return GateResult{Reason: "product " + product + " has no review"}, nil
	}
	if err != nil {
		return GateResult{}, fmt.Errorf("review gate for %s: %w", product, err)
	}
	n := 0
	for sev, c := range map[rule.Severity]int{rule.Critical: r.Critical, rule.High: r.High, rule.Medium: r.Medium, rule.Low: r.Low, rule.Note: r.Note} {
		if sev >= atLeast {
			n += c
		}
	}
	res := GateResult{ReviewID: r.ID, Findings: n, Blocked: n > 0}
	if res.Blocked {
		res.Reason = fmt.Sprintf("review %s of %s has %d findings at or above %s", r.ID, product, n, atLeast)
	} else {
		res.Reason = fmt.Sprintf("review %s of %s has no finding at or above %s", r.ID, product, atLeast)
	}
	return res, nil
}

// ParseBlockOnReview reads a rollout's block_on_review value: a severity
// (low, medium, high, critical), or "" / "off" for no gate.
func ParseBlockOnReview(v string) (rule.Severity, bool, error) {
	v = strings.TrimSpace(v)
	if v == "" || strings.EqualFold(v, "off") || strings.EqualFold(v, "none") {
		return 0, false, nil
	}
	s, err := rule.ParseSeverity(v)
	if err != nil {
		return 0, false, fmt.Errorf("block_on_review: %w", err)
	}
	return s, true, nil
}
