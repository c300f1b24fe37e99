package gitcatalog

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/catalog"
)

// Commit message trailers tend writes and reads.
const (
	trailerProduct    = "Tend-Product"
	trailerVersion    = "Tend-Version"
	trailerKey        = "Tend-Idempotency-Key"
	trailerDeprecates = "Tend-Deprecates"
)

// extensions maps template file extensions to formats, in lookup order.
var extensions = []struct {
	ext    string
	format catalog.Format
}{
	{"yaml", catalog.FormatCFNYAML},
	{"yml", catalog.FormatCFNYAML},
	{"json", catalog.FormatCFNJSON},
	{"tf", catalog.FormatHCL},
}

func extFor(f catalog.Format) (string, bool) {
	for _, e := range extensions {
		if e.format == f {
			return e.ext, true
		}
	}
	return "", false
}

// tagged is a version tag as read from the repository.
type tagged struct {
	catalog.Version
	commit     string
	deprecates []string
}

// list reads every version tag of product (refs/tags/<product>/v<N>),
// ordered by number, with templates when withTemplates is set.
func (c *Catalog) list(ctx context.Context, product string, withTemplates bool) ([]tagged, error) {
	out, err := c.run(ctx, gitCmd{args: []string{"for-each-ref",
		"--format=%(refname)%00%(objecttype)%00%(*objectname)%00%(objectname)%00%(creatordate:unix)%00%(*contents)%00%(contents)%00",
		"refs/tags/" + product + "/"}})
	if err != nil {
		return nil, fmt.Errorf("list tags of %q: %w", product, err)
	}
	var vs []tagged
	for _, rec := range bytes.Split(out, []byte("\x00\n")) {
		f := strings.Split(string(rec), "\x00")
		if len(f) != 7 {
			continue
		}
		name := strings.TrimPrefix(f[0], "refs/tags/"+product+"/")
		n, ok := parseID(name)
		if !ok || "v"+strconv.Itoa(n) != name {
			continue // not a version tag (or a non-canonical "v01")
		}
		commit, msg := f[3], f[6]
		if f[1] == "tag" {
			commit, msg = f[2], f[5]
		}
		desc, trailers := splitTrailers(msg)
		secs, _ := strconv.ParseInt(f[4], 10, 64)
		v := tagged{commit: commit, Version: catalog.Version{
			Product: product, ID: name, Number: n, Name: name,
			Description: desc, Active: true, CreatedAt: time.Unix(secs, 0).UTC(),
			IdempotencyKey: trailers[trailerKey],
		}}
		for _, d := range strings.Split(trailers[trailerDeprecates], ",") {
			if d = strings.TrimSpace(d); d != "" {
				v.deprecates = append(v.deprecates, d)
			}
		}
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Number < vs[j].Number })
	deprecated := map[string]bool{}
	for _, v := range vs {
		for _, d := range v.deprecates {
			deprecated[d] = true
		}
	}
	for i := range vs {
		vs[i].Active = !deprecated[vs[i].ID]
	}
	if withTemplates {
		if err := c.readTemplates(ctx, product, vs); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// readTemplates fills each version's Template and Format from its commit
// with one `git cat-file --batch`.
func (c *Catalog) readTemplates(ctx context.Context, product string, vs []tagged) error {
	if len(vs) == 0 {
		return nil
	}
	var req bytes.Buffer
	for _, v := range vs {
		for _, e := range extensions {
			fmt.Fprintf(&req, "%s:%s/template.%s\n", v.commit, product, e.ext)
		}
	}
	out, err := c.run(ctx, gitCmd{args: []string{"cat-file", "--batch"}, stdin: req.Bytes()})
	if err != nil {
		return fmt.Errorf("read templates of %q: %w", product, err)
	}
	r := bufio.NewReader(bytes.NewReader(out))
	for i := range vs {
		for _, e := range extensions {
			header, err := r.ReadString('\n')
			if err != nil {
				return fmt.Errorf("read templates of %q: short cat-file output", product)
			}
			fields := strings.Fields(header)
			if len(fields) != 3 || fields[1] != "blob" {
				continue // "<name> missing"
			}
			size, err := strconv.Atoi(fields[2])
			if err != nil || size < 0 {
				return fmt.Errorf("read templates of %q: bad cat-file header %q", product, header)
			}
			body := make([]byte, size+1) // content and a newline
			if _, err := io.ReadFull(r, body); err != nil {
				return fmt.Errorf("read templates of %q: %w", product, err)
			}
			if vs[i].Template == nil {
				vs[i].Template, vs[i].Format = body[:size], e.format
			}
		}
		if vs[i].Template == nil {
			return fmt.Errorf("version %s of %q has no %s/template.{yaml,yml,json,tf} in commit %s", vs[i].ID, product, product, vs[i].commit)
		}
	}
	return nil
}

// parseID accepts "v3" or "3".
func parseID(id string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "v"))
	return n, err == nil && n > 0
}

// splitTrailers separates a commit message's trailer block ("Key: value"
// lines in the last paragraph) from the description before it.
func splitTrailers(msg string) (string, map[string]string) {
	msg = strings.TrimRight(msg, "\n")
	trailers := map[string]string{}
	i := strings.LastIndex(msg, "\n\n")
	if i < 0 {
		return msg, trailers
	}
	for _, line := range strings.Split(msg[i+2:], "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok || !strings.HasPrefix(k, "Tend-") || strings.ContainsAny(k, " \t") {
			return msg, map[string]string{}
		}
		trailers[k] = v
	}
	return msg[:i], trailers
}
