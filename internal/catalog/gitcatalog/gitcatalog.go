// Package gitcatalog is a catalog.Catalog kept in a git repository, for
// teams that keep their infrastructure as code in git.
//
// Layout: each product is a directory holding one template,
//
//	<product>/template.yaml   (CloudFormation YAML; .yml is read too)
//	<product>/template.json   (CloudFormation JSON)
//	<product>/template.tf     (Terraform)
//
// and each version is an annotated tag <product>/v<N> on the commit that
// wrote it. Publish commits the new template on the configured branch with
// the description as the commit message and trailers recording the product,
// version, idempotency key and any version it deprecates, tags it, and
// pushes branch and tag atomically when a remote is configured.
//
// It drives the git CLI (os/exec), which must be on PATH: the CLI uses the
// machine's own git configuration, credential helpers and SSH agent for
// pushing, which is how teams already reach their repositories. Commits are
// made with plumbing commands (hash-object, update-index on a private index,
// write-tree, commit-tree, update-ref) in a bare repository, so no working
// tree is ever touched.
package gitcatalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/catalog"
)

// MaxTemplateSize is the largest template Publish accepts.
const MaxTemplateSize = 1 << 20

// Config says where the repository is and how to write to it.
type Config struct {
	// Dir is a bare git repository tend owns, such as a
	// `git clone --bare <team repo> <dir>`.
	Dir string
	// Init creates Dir as an empty bare repository when it does not exist.
	Init bool
	// Branch receives the commits; default "main".
	Branch string
	// Remote, when set, is the remote name (or URL) that branch and tags
	// are fetched from before and pushed to after each Publish; "" keeps
	// versions local.
	Remote string
	// AuthorName and AuthorEmail sign commits and tags; default
	// "tend" <tend@localhost>.
	AuthorName, AuthorEmail string
	// Git is the git binary; default "git" from PATH.
	Git string
	// Now is the clock for commit and tag dates; default time.Now.
	Now func() time.Time
	// Logger receives debug logs of git commands (never their output).
	Logger *slog.Logger
}

// Catalog is a git-backed catalog. It serialises its own Publish calls;
// several processes writing one Dir are not supported (give each its own
// clone and a shared Remote: the atomic push makes the loser fail).
type Catalog struct {
	cfg Config
	log *slog.Logger
	mu  sync.Mutex
}

var _ catalog.Catalog = (*Catalog)(nil)

// Open checks cfg and the repository and returns a Catalog.
func Open(ctx context.Context, cfg Config) (*Catalog, error) {
	if cfg.Dir == "" {
		return nil, errors.New("gitcatalog: Dir is required")
	}
	if cfg.Branch == "" {
		cfg.Branch = "main"
	}
	if cfg.AuthorName == "" {
		cfg.AuthorName = "tend"
	}
	if cfg.AuthorEmail == "" {
		cfg.AuthorEmail = "tend@localhost"
	}
	if cfg.Git == "" {
		cfg.Git = "git"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	git, err := exec.LookPath(cfg.Git)
	if err != nil {
		return nil, fmt.Errorf("gitcatalog: git CLI not found (%w); install git", err)
	}
	cfg.Git = git
	c := &Catalog{cfg: cfg, log: cfg.Logger}
	if _, err := c.run(ctx, gitCmd{args: []string{"check-ref-format", "--branch", cfg.Branch}}); err != nil {
		return nil, fmt.Errorf("gitcatalog: invalid branch %q", cfg.Branch)
	}
	if _, err := os.Stat(cfg.Dir); errors.Is(err, os.ErrNotExist) {
		if !cfg.Init {
			return nil, fmt.Errorf("gitcatalog: %s does not exist; create it with `git clone --bare URL %s` or set Init", cfg.Dir, cfg.Dir)
		}
		if err := os.MkdirAll(filepath.Dir(cfg.Dir), 0o755); err != nil {
			return nil, fmt.Errorf("gitcatalog: create %s: %w", cfg.Dir, err)
		}
		if _, err := c.run(ctx, gitCmd{args: []string{"init", "--quiet", "--bare", "--initial-branch=" + cfg.Branch, cfg.Dir}}); err != nil {
			return nil, fmt.Errorf("gitcatalog: init %s: %w", cfg.Dir, err)
		}
	}
	out, err := c.run(ctx, gitCmd{args: []string{"rev-parse", "--is-bare-repository"}})
	if err != nil {
		return nil, fmt.Errorf("gitcatalog: %s is not a git repository: %w", cfg.Dir, err)
	}
	if strings.TrimSpace(string(out)) != "true" {
		return nil, fmt.Errorf("gitcatalog: %s is not a bare repository; tend commits without a working tree, so give it its own `git clone --bare`", cfg.Dir)
	}
	return c, nil
}

// Kind is "git".
func (c *Catalog) Kind() string { return "git" }

// productRE keeps product names safe as a directory and a tag prefix.
var productRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$`)

func checkProduct(p string) error {
	if !productRE.MatchString(p) {
		return fmt.Errorf("invalid product name %q: use letters, digits, '-' and '_' (at most 100)", p)
	}
	return nil
}

// Latest returns the highest-numbered active version.
func (c *Catalog) Latest(ctx context.Context, product string) (catalog.Version, error) {
	vs, err := c.versions(ctx, product)
	if err != nil {
		return catalog.Version{}, err
	}
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Active {
			return vs[i].Version, nil
		}
	}
	return catalog.Version{}, fmt.Errorf("product %q has no active version: %w", product, catalog.ErrNotFound)
}

// Version returns version id ("v3" or "3") of product.
func (c *Catalog) Version(ctx context.Context, product, id string) (catalog.Version, error) {
	n, ok := parseID(id)
	if !ok {
		return catalog.Version{}, fmt.Errorf("version %q of %q: want v<N>: %w", id, product, catalog.ErrNotFound)
	}
	vs, err := c.versions(ctx, product)
	if err != nil {
		return catalog.Version{}, err
	}
	for _, v := range vs {
		if v.Number == n {
			return v.Version, nil
		}
	}
	return catalog.Version{}, fmt.Errorf("version %s of %q: %w", id, product, catalog.ErrNotFound)
}

// Versions lists all versions of product, oldest first.
func (c *Catalog) Versions(ctx context.Context, product string) ([]catalog.Version, error) {
	vs, err := c.versions(ctx, product)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Version, len(vs))
	for i, v := range vs {
		out[i] = v.Version
	}
	return out, nil
}

func (c *Catalog) versions(ctx context.Context, product string) ([]tagged, error) {
	if err := checkProduct(product); err != nil {
		return nil, fmt.Errorf("%w: %w", err, catalog.ErrNotFound)
	}
	vs, err := c.list(ctx, product, true)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("product %q: %w", product, catalog.ErrNotFound)
	}
	return vs, nil
}

// idemKeyRE keeps keys to one printable line, safe as a trailer.
var idemKeyRE = regexp.MustCompile(`^[\x21-\x7e]{1,200}$`)

// Publish commits p.Template as <product>/template.<ext>, tags it
// <product>/v<N+1> and pushes both when a remote is configured. A Publish
// with an IdempotencyKey already recorded in a version's trailer returns
// that version (pushing it again if an earlier push failed).
func (c *Catalog) Publish(ctx context.Context, product string, p catalog.Publish) (catalog.Version, error) {
	if err := checkProduct(product); err != nil {
		return catalog.Version{}, err
	}
	ext, ok := extFor(p.Format)
	if !ok {
		return catalog.Version{}, fmt.Errorf("publish %q: unsupported format %q", product, p.Format)
	}
	switch {
	case len(p.Template) == 0:
		return catalog.Version{}, fmt.Errorf("publish %q: template is empty", product)
	case len(p.Template) > MaxTemplateSize:
		return catalog.Version{}, fmt.Errorf("publish %q: template is %d bytes, more than the %d-byte limit", product, len(p.Template), MaxTemplateSize)
	case p.IdempotencyKey != "" && !idemKeyRE.MatchString(p.IdempotencyKey):
		return catalog.Version{}, fmt.Errorf("publish %q: idempotency key must be 1-200 printable characters without spaces", product)
	}
	desc := strings.TrimSpace(strings.ReplaceAll(p.Description, "\r", ""))
	if desc == "" {
		desc = "New version of " + product
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fetch(ctx, product); err != nil {
		return catalog.Version{}, err
	}
	vs, err := c.list(ctx, product, false)
	if err != nil {
		return catalog.Version{}, err
	}
	next, prevActive := 1, ""
	for i, v := range vs {
		if p.IdempotencyKey != "" && v.IdempotencyKey == p.IdempotencyKey {
			c.log.InfoContext(ctx, "git catalog: version already published", "product", product, "version", v.ID)
			if err := c.readTemplates(ctx, product, vs[i:i+1]); err != nil {
				return catalog.Version{}, err
			}
			if err := c.push(ctx, v.ID, product); err != nil {
				return catalog.Version{}, err
			}
			return vs[i].Version, nil
		}
		next = v.Number + 1
		if v.Active {
			prevActive = v.ID
		}
	}
	id := "v" + strconv.Itoa(next)
	now := c.cfg.Now().UTC().Truncate(time.Second)

	msg := desc + "\n\n" + trailerProduct + ": " + product + "\n" + trailerVersion + ": " + id + "\n"
	if p.IdempotencyKey != "" {
		msg += trailerKey + ": " + p.IdempotencyKey + "\n"
	}
	if p.DeprecatePrevious && prevActive != "" {
		msg += trailerDeprecates + ": " + prevActive + "\n"
	}
	commit, parent, err := c.commit(ctx, product, ext, p.Template, msg, now)
	if err != nil {
		return catalog.Version{}, fmt.Errorf("publish %s %s: %w", product, id, err)
	}
	tag := product + "/" + id
	if _, err := c.run(ctx, gitCmd{args: []string{"tag", "--annotate", "--no-sign", "--file=-", tag, commit}, stdin: []byte(msg), env: c.identity(now)}); err != nil {
		c.undo(ctx, "", commit, parent)
		return catalog.Version{}, fmt.Errorf("publish %s %s: tag: %w", product, id, err)
	}
	c.log.InfoContext(ctx, "git catalog: published", "product", product, "version", id, "commit", commit, "parent", parent)
	v := catalog.Version{
		Product: product, ID: id, Number: next, Name: id, Description: desc,
		Template: append([]byte(nil), p.Template...), Format: p.Format, Active: true,
		CreatedAt: now, IdempotencyKey: p.IdempotencyKey,
	}
	if err := c.push(ctx, id, product); err != nil {
		// Nothing half-published: drop the local tag and commit so a retry
		// (or another writer's version on the remote) starts clean.
		c.undo(ctx, tag, commit, parent)
		return catalog.Version{}, fmt.Errorf("%w; nothing was published", err)
	}
	return v, nil
}

// undo removes a version that could not be completed: the tag (if any)
// and the branch's move to commit, each only if still as tend left it.
func (c *Catalog) undo(ctx context.Context, tag, commit, parent string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if tag != "" {
		if _, err := c.run(ctx, gitCmd{args: []string{"tag", "--delete", tag}}); err != nil {
			c.log.WarnContext(ctx, "git catalog: could not remove tag of unpublished version", "tag", tag, "err", err)
		}
	}
	args := []string{"update-ref", "-d", "refs/heads/" + c.cfg.Branch, commit}
	if parent != "" {
		args = []string{"update-ref", "-m", "tend: undo unpublished version", "refs/heads/" + c.cfg.Branch, parent, commit}
	}
	if _, err := c.run(ctx, gitCmd{args: args}); err != nil {
		c.log.WarnContext(ctx, "git catalog: could not move branch back", "branch", c.cfg.Branch, "err", err)
	}
}

// commit writes template to <product>/template.<ext> on top of the branch
// (removing the product's template in other formats) and moves the branch
// to the new commit, failing if the branch moved meanwhile.
func (c *Catalog) commit(ctx context.Context, product, ext string, template []byte, msg string, now time.Time) (commit, parent string, err error) {
	parent, err = c.revParse(ctx, "refs/heads/"+c.cfg.Branch)
	if err != nil {
		return "", "", err
	}
	tmp, err := os.MkdirTemp("", "tend-gitcatalog-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)
	index := []string{"GIT_INDEX_FILE=" + filepath.Join(tmp, "index")}

	out, err := c.run(ctx, gitCmd{args: []string{"hash-object", "-w", "--stdin"}, stdin: template})
	if err != nil {
		return "", "", err
	}
	blob := strings.TrimSpace(string(out))
	readTree := []string{"read-tree", "--empty"}
	if parent != "" {
		readTree = []string{"read-tree", parent}
	}
	if _, err := c.run(ctx, gitCmd{args: readTree, env: index}); err != nil {
		return "", "", err
	}
	var info strings.Builder
	for _, e := range extensions {
		fmt.Fprintf(&info, "0 0000000000000000000000000000000000000000\t%s/template.%s\n", product, e.ext)
	}
	fmt.Fprintf(&info, "100644 %s\t%s/template.%s\n", blob, product, ext)
	if _, err := c.run(ctx, gitCmd{args: []string{"update-index", "--index-info"}, stdin: []byte(info.String()), env: index}); err != nil {
		return "", "", err
	}
	out, err = c.run(ctx, gitCmd{args: []string{"write-tree"}, env: index})
	if err != nil {
		return "", "", err
	}
	args := []string{"commit-tree", "--no-gpg-sign", strings.TrimSpace(string(out)), "-F", "-"}
	if parent != "" {
		args = append(args, "-p", parent)
	}
	out, err = c.run(ctx, gitCmd{args: args, stdin: []byte(msg), env: c.identity(now)})
	if err != nil {
		return "", "", err
	}
	commit = strings.TrimSpace(string(out))
	old := parent
	if old == "" {
		old = "0000000000000000000000000000000000000000"
	}
	if _, err := c.run(ctx, gitCmd{args: []string{"update-ref", "-m", "tend: publish " + product, "refs/heads/" + c.cfg.Branch, commit, old}}); err != nil {
		return "", "", fmt.Errorf("branch %s moved while publishing: %w", c.cfg.Branch, err)
	}
	return commit, parent, nil
}

// fetch brings the branch and the product's tags from the remote, so
// versions published elsewhere are seen and numbers do not collide. The
// local branch is fast-forwarded when it is behind; when it is ahead (an
// earlier push failed) it is kept and the next push sends it.
func (c *Catalog) fetch(ctx context.Context, product string) error {
	if c.cfg.Remote == "" {
		return nil
	}
	tracking := "refs/tend/remote/" + c.cfg.Branch
	_, err := c.run(ctx, gitCmd{args: []string{"fetch", "--quiet", "--no-tags", c.cfg.Remote,
		"+refs/heads/" + c.cfg.Branch + ":" + tracking,
		"refs/tags/" + product + "/*:refs/tags/" + product + "/*"}})
	var ge *gitError
	if errors.As(err, &ge) && strings.Contains(ge.msg, "couldn't find remote ref") {
		return nil // the remote has no such branch yet: the first push creates it
	}
	if err != nil {
		return fmt.Errorf("fetch from %s: %w", c.cfg.Remote, err)
	}
	remote, err := c.revParse(ctx, tracking)
	if err != nil || remote == "" {
		return fmt.Errorf("fetch from %s: no %s after fetching: %v", c.cfg.Remote, tracking, err)
	}
	local, err := c.revParse(ctx, "refs/heads/"+c.cfg.Branch)
	if err != nil {
		return err
	}
	switch {
	case local == remote:
		return nil
	case local == "" || c.isAncestor(ctx, local, remote):
		old := local
		if old == "" {
			old = "0000000000000000000000000000000000000000"
		}
		if _, err := c.run(ctx, gitCmd{args: []string{"update-ref", "-m", "tend: fast-forward from " + c.cfg.Remote, "refs/heads/" + c.cfg.Branch, remote, old}}); err != nil {
			return fmt.Errorf("fast-forward %s: %w", c.cfg.Branch, err)
		}
		return nil
	case c.isAncestor(ctx, remote, local):
		return nil
	}
	return fmt.Errorf("branch %s in %s has diverged from %s; reconcile them (e.g. reset it to the remote's) before publishing", c.cfg.Branch, c.cfg.Dir, c.cfg.Remote)
}

// revParse returns the commit a ref points to, or "" if it does not exist.
func (c *Catalog) revParse(ctx context.Context, ref string) (string, error) {
	out, err := c.run(ctx, gitCmd{args: []string{"rev-parse", "--verify", "--quiet", ref + "^{commit}"}})
	var ge *gitError
	if errors.As(err, &ge) && ge.code == 1 {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", ref, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func (c *Catalog) isAncestor(ctx context.Context, a, b string) bool {
	_, err := c.run(ctx, gitCmd{args: []string{"merge-base", "--is-ancestor", a, b}})
	return err == nil
}

// push sends the branch and one version tag to the remote atomically.
func (c *Catalog) push(ctx context.Context, id, product string) error {
	if c.cfg.Remote == "" {
		return nil
	}
	tag := "refs/tags/" + product + "/" + id
	_, err := c.run(ctx, gitCmd{args: []string{"push", "--quiet", "--atomic", c.cfg.Remote,
		"refs/heads/" + c.cfg.Branch + ":refs/heads/" + c.cfg.Branch, tag + ":" + tag}})
	if err != nil {
		return fmt.Errorf("push %s %s to %s: %w", product, id, c.cfg.Remote, err)
	}
	return nil
}
