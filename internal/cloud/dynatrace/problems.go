package dynatrace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate"
)

// Wire types of the Problems API v2, as Dynatrace returns them.
type (
	entityID struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	entityStub struct {
		EntityID entityID `json:"entityId"`
		Name     string   `json:"name"`
	}
	meTag struct {
		Context              string `json:"context"`
		Key                  string `json:"key"`
		Value                string `json:"value"`
		StringRepresentation string `json:"stringRepresentation"`
	}
	managementZone struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	evidence struct {
		EvidenceType      string      `json:"evidenceType"`
		DisplayName       string      `json:"displayName"`
		Entity            *entityStub `json:"entity"`
		RootCauseRelevant bool        `json:"rootCauseRelevant"`
		StartTime         int64       `json:"startTime"`
		EventID           string      `json:"eventId"`
		EventType         string      `json:"eventType"`
	}
	wireProblem struct {
		ProblemID        string           `json:"problemId"`
		DisplayID        string           `json:"displayId"`
		Title            string           `json:"title"`
		ImpactLevel      string           `json:"impactLevel"`
		SeverityLevel    string           `json:"severityLevel"`
		Status           string           `json:"status"`
		StartTime        int64            `json:"startTime"`
		EndTime          int64            `json:"endTime"`
		AffectedEntities []entityStub     `json:"affectedEntities"`
		ImpactedEntities []entityStub     `json:"impactedEntities"`
		RootCauseEntity  *entityStub      `json:"rootCauseEntity"`
		ManagementZones  []managementZone `json:"managementZones"`
		EntityTags       []meTag          `json:"entityTags"`
		EvidenceDetails  struct {
			TotalCount int        `json:"totalCount"`
			Details    []evidence `json:"details"`
		} `json:"evidenceDetails"`
	}
	wireComment struct {
		ID                 string `json:"id"`
		CreatedAtTimestamp int64  `json:"createdAtTimestamp"`
		Content            string `json:"content"`
		AuthorName         string `json:"authorName"`
		Context            string `json:"context"`
	}
	commentsPage struct {
		Comments    []wireComment `json:"comments"`
		TotalCount  int           `json:"totalCount"`
		PageSize    int           `json:"pageSize"`
		NextPageKey string        `json:"nextPageKey"`
	}
)

// ManagementZoneTag is the problem tag that lists the problem's management
// zones (comma-separated names).
const ManagementZoneTag = "dt.management_zone"

// CommentContext is the context tend's comments carry in Dynatrace.
const CommentContext = "tend"

// Problem returns the details of the problem with the given id (the PID a
// webhook carries, e.g. "-7001863467553125449_1606215300000V2").
func (c *Client) Problem(ctx context.Context, externalID string) (problem.Problem, error) {
	if err := checkID("problem id", externalID); err != nil {
		return problem.Problem{}, err
	}
	body, err := c.do(ctx, request{
		method: http.MethodGet,
		call:   "GET /api/v2/problems/{problemId}",
		path:   "/api/v2/problems/" + externalID,
		query:  url.Values{"fields": {"+evidenceDetails"}},
	})
	if err != nil {
		return problem.Problem{}, fmt.Errorf("get problem %q: %w", externalID, err)
	}
	p, err := ParseProblem(body)
	if err != nil {
		return problem.Problem{}, fmt.Errorf("get problem %q: %w", externalID, err)
	}
	p.URL = c.problemURL(p.ExternalID)
	return p, nil
}

func (c *Client) problemURL(pid string) string {
	if pid == "" {
		return ""
	}
	return c.base.String() + "/#problems/problemdetails;pid=" + url.PathEscape(pid)
}

// ParseProblem decodes a Problems API v2 problem. The event type is the
// eventType of the EVENT evidence Dynatrace marked root-cause relevant (the
// first event evidence when none is); status CLOSED becomes RESOLVED;
// impacted entities come first, then affected ones not already listed;
// entity tags become problem tags (key → value) and management zones the
// ManagementZoneTag.
func ParseProblem(body []byte) (problem.Problem, error) {
	var w wireProblem
	if err := json.Unmarshal(body, &w); err != nil {
		return problem.Problem{}, fmt.Errorf("decode problem: %w", err)
	}
	if w.ProblemID == "" {
		return problem.Problem{}, errors.New("decode problem: problemId is missing")
	}
	p := problem.Problem{
		Source:     problem.SourceDynatrace,
		ExternalID: w.ProblemID,
		DisplayID:  w.DisplayID,
		Title:      w.Title,
		State:      problemState(w.Status),
		Severity:   w.SeverityLevel,
		Impact:     w.ImpactLevel,
		EventType:  eventType(w.EvidenceDetails.Details),
	}
	if w.StartTime > 0 {
		p.StartedAt = time.UnixMilli(w.StartTime).UTC()
	}
	seen := map[string]bool{}
	for _, list := range [][]entityStub{w.ImpactedEntities, w.AffectedEntities} {
		for _, e := range list {
			if e.EntityID.ID == "" || seen[e.EntityID.ID] {
				continue
			}
			seen[e.EntityID.ID] = true
			p.Entities = append(p.Entities, stubEntity(e))
		}
	}
	if w.RootCauseEntity != nil && w.RootCauseEntity.EntityID.ID != "" {
		rc := stubEntity(*w.RootCauseEntity)
		p.RootCause = &rc
	}
	p.Tags = tagMap(w.EntityTags)
	if len(w.ManagementZones) > 0 {
		names := make([]string, 0, len(w.ManagementZones))
		for _, mz := range w.ManagementZones {
			names = append(names, mz.Name)
		}
		if p.Tags == nil {
			p.Tags = map[string]string{}
		}
		p.Tags[ManagementZoneTag] = strings.Join(names, ",")
	}
	return p, nil
}

func problemState(status string) problem.State {
	switch strings.ToUpper(status) {
	case "CLOSED", "RESOLVED":
		return problem.StateResolved
	default:
		return problem.StateOpen
	}
}

func eventType(details []evidence) string {
	first := ""
	for _, d := range details {
		if d.EvidenceType != "EVENT" || d.EventType == "" {
			continue
		}
		if d.RootCauseRelevant {
			return d.EventType
		}
		if first == "" {
			first = d.EventType
		}
	}
	return first
}

func stubEntity(e entityStub) problem.Entity {
	return problem.Entity{ID: e.EntityID.ID, Type: e.EntityID.Type, Name: e.Name}
}

// tagMap turns Dynatrace tags into key → value; a key without a value maps
// to "". Imported cloud tags (context AWS, …) keep their own key.
func tagMap(tags []meTag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if t.Key == "" {
			continue
		}
		m[t.Key] = t.Value
	}
	return m
}

// Comments lists a problem's comments, newest first, following
// nextPageKey across pages.
func (c *Client) Comments(ctx context.Context, externalID string) ([]remediate.Comment, error) {
	if err := checkID("problem id", externalID); err != nil {
		return nil, err
	}
	var all []wireComment
	q := url.Values{"pageSize": {"500"}}
	for page := 0; ; page++ {
		if page == maxCommentPages {
			return nil, fmt.Errorf("list comments of problem %q: more than %d pages", externalID, maxCommentPages)
		}
		body, err := c.do(ctx, request{
			method: http.MethodGet,
			call:   "GET /api/v2/problems/{problemId}/comments",
			path:   "/api/v2/problems/" + externalID + "/comments",
			query:  q,
		})
		if err != nil {
			return nil, fmt.Errorf("list comments of problem %q: %w", externalID, err)
		}
		pg, err := parseCommentsPage(body)
		if err != nil {
			return nil, fmt.Errorf("list comments of problem %q: %w", externalID, err)
		}
		all = append(all, pg.Comments...)
		if pg.NextPageKey == "" {
			break
		}
		// The next page is addressed by its key alone.
		q = url.Values{"nextPageKey": {pg.NextPageKey}}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].CreatedAtTimestamp > all[j].CreatedAtTimestamp })
	out := make([]remediate.Comment, len(all))
	for i, w := range all {
		out[i] = remediate.Comment{ID: w.ID, Author: w.AuthorName, Content: w.Content}
	}
	return out, nil
}

// parseCommentsPage decodes one page of GET /api/v2/problems/{id}/comments.
func parseCommentsPage(body []byte) (commentsPage, error) {
	var pg commentsPage
	if err := json.Unmarshal(body, &pg); err != nil {
		return commentsPage{}, fmt.Errorf("decode comments: %w", err)
	}
	return pg, nil
}

// Comment adds a comment to a problem. A retry after an ambiguous failure
// (a 5xx or a lost response) first looks for a comment with the same text
// and stops if the first attempt landed, so one call posts at most once.
func (c *Client) Comment(ctx context.Context, externalID, text string) error {
	if err := checkID("problem id", externalID); err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		return errors.New("comment: text is empty")
	}
	_, err := c.do(ctx, request{
		method: http.MethodPost,
		call:   "POST /api/v2/problems/{problemId}/comments",
		path:   "/api/v2/problems/" + externalID + "/comments",
		body:   map[string]string{"message": text, "context": CommentContext},
		beforeRetry: func(ctx context.Context) (bool, error) {
			existing, err := c.Comments(ctx, externalID)
			if err != nil {
				return false, err
			}
			for _, cm := range existing {
				if cm.Content == text {
					return true, nil
				}
			}
			return false, nil
		},
	})
	if err != nil {
		return fmt.Errorf("comment on problem %q: %w", externalID, err)
	}
	return nil
}

// checkID rejects ids that cannot be a Dynatrace id: empty, too long, or
// with characters that would change the request path.
func checkID(what, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%s is empty", what)
	case len(id) > 256:
		return fmt.Errorf("%s is longer than 256 characters", what)
	case strings.ContainsAny(id, "/?#%\\ \t\r\n") || id == "." || id == "..":
		return fmt.Errorf("%s %q has characters a Dynatrace id cannot have", what, id)
	}
	return nil
}
