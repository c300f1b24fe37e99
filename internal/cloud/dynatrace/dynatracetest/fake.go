// Package dynatracetest is a fake Dynatrace environment for tests: an
// httptest server speaking the Environment API v2 (problems, entities,
// problem comments with nextPageKey pagination, the error envelope, Api-Token
// auth) with state tests can seed and inspect, and injectable failures
// (429 with Retry-After, 503) to exercise clients' retries.
package dynatracetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Token is the API token the fake accepts unless Fake.Token is changed
// before the first request.
const Token = "dt0c01.FAKE.TOKENFORTESTS"

// EntityID is Dynatrace's {id, type} pair.
type EntityID struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// EntityStub is a short reference to an entity.
type EntityStub struct {
	EntityID EntityID `json:"entityId"`
	Name     string   `json:"name"`
}

// Stub builds an EntityStub for a HOST-…, SERVICE-… style id.
func Stub(id, name string) EntityStub {
	typ, _, _ := strings.Cut(id, "-")
	return EntityStub{EntityID: EntityID{ID: id, Type: typ}, Name: name}
}

// Tag is a Dynatrace tag (METag).
type Tag struct {
	Context              string `json:"context"`
	Key                  string `json:"key"`
	Value                string `json:"value,omitempty"`
	StringRepresentation string `json:"stringRepresentation"`
}

// NewTag builds a tag the way Dynatrace renders it.
func NewTag(context, key, value string) Tag {
	s := key
	if value != "" {
		s += ":" + value
	}
	if context != "" && context != "CONTEXTLESS" {
		s = "[" + context + "]" + s
	}
	if context == "" {
		context = "CONTEXTLESS"
	}
	return Tag{Context: context, Key: key, Value: value, StringRepresentation: s}
}

// ManagementZone is a management zone reference.
type ManagementZone struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Evidence is one item of a problem's evidenceDetails.
type Evidence struct {
	EvidenceType      string      `json:"evidenceType"`
	DisplayName       string      `json:"displayName"`
	Entity            EntityStub  `json:"entity"`
	GroupingEntity    *EntityStub `json:"groupingEntity,omitempty"`
	RootCauseRelevant bool        `json:"rootCauseRelevant"`
	StartTime         int64       `json:"startTime"`
	EndTime           int64       `json:"endTime,omitempty"`
	EventID           string      `json:"eventId,omitempty"`
	EventType         string      `json:"eventType,omitempty"`
}

// EvidenceDetails is a problem's evidence list.
type EvidenceDetails struct {
	TotalCount int        `json:"totalCount"`
	Details    []Evidence `json:"details"`
}

// Problem is a problem as GET /api/v2/problems/{id} returns it.
type Problem struct {
	ProblemID        string           `json:"problemId"`
	DisplayID        string           `json:"displayId"`
	Title            string           `json:"title"`
	ImpactLevel      string           `json:"impactLevel"`
	SeverityLevel    string           `json:"severityLevel"`
	Status           string           `json:"status"`
	StartTime        int64            `json:"startTime"`
	EndTime          int64            `json:"endTime"`
	AffectedEntities []EntityStub     `json:"affectedEntities"`
	ImpactedEntities []EntityStub     `json:"impactedEntities"`
	RootCauseEntity  *EntityStub      `json:"rootCauseEntity"`
	ManagementZones  []ManagementZone `json:"managementZones"`
	EntityTags       []Tag            `json:"entityTags"`
	ProblemFilters   []ManagementZone `json:"problemFilters"`
	EvidenceDetails  *EvidenceDetails `json:"evidenceDetails,omitempty"`
}

// Entity is a monitored entity as GET /api/v2/entities/{id} returns it.
type Entity struct {
	EntityID          string                `json:"entityId"`
	Type              string                `json:"type"`
	DisplayName       string                `json:"displayName"`
	FirstSeenTms      int64                 `json:"firstSeenTms"`
	LastSeenTms       int64                 `json:"lastSeenTms"`
	Properties        map[string]any        `json:"properties"`
	Tags              []Tag                 `json:"tags"`
	ManagementZones   []ManagementZone      `json:"managementZones"`
	FromRelationships map[string][]EntityID `json:"fromRelationships,omitempty"`
	ToRelationships   map[string][]EntityID `json:"toRelationships,omitempty"`
}

// Comment is a problem comment.
type Comment struct {
	ID                 string `json:"id"`
	CreatedAtTimestamp int64  `json:"createdAtTimestamp"`
	Content            string `json:"content"`
	AuthorName         string `json:"authorName"`
	Context            string `json:"context,omitempty"`
}

// Request is a request the fake received (without the token).
type Request struct {
	Method string
	Path   string
	Query  string
	Auth   bool // carried the right Api-Token
}

// failure is an injected response.
type failure struct {
	status     int
	retryAfter string
	// after, for a POST, applies the request before failing (a lost
	// response: the comment exists, the client sees an error).
	after bool
}

// Fake is a fake Dynatrace environment. Its methods are safe to call while
// the server handles requests.
type Fake struct {
	*httptest.Server
	// Token is the Api-Token the fake accepts.
	Token string
	// PageSize is the default comments page size (Dynatrace's is 10).
	PageSize int

	mu       sync.Mutex
	problems map[string]Problem
	entities map[string]Entity
	comments map[string][]Comment
	failures map[string][]failure // by path prefix "problems", "entities", "comments"
	requests []Request
	nextID   int
	now      func() time.Time
}

// NewFake starts a fake Dynatrace environment; Close it when done.
func NewFake() *Fake {
	f := &Fake{
		Token:    Token,
		PageSize: 10,
		problems: map[string]Problem{},
		entities: map[string]Entity{},
		comments: map[string][]Comment{},
		failures: map[string][]failure{},
		now:      time.Now,
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// AddProblem seeds a problem (replacing one with the same id).
func (f *Fake) AddProblem(p Problem) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems[p.ProblemID] = p
}

// SetStatus changes a problem's status ("OPEN", "CLOSED"); it reports
// whether the problem exists.
func (f *Fake) SetStatus(problemID, status string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.problems[problemID]
	if ok {
		p.Status = status
		f.problems[problemID] = p
	}
	return ok
}

// AddEntity seeds an entity.
func (f *Fake) AddEntity(e Entity) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entities[e.EntityID] = e
}

// AddComment seeds a comment on a problem.
func (f *Fake) AddComment(problemID string, c Comment) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.ID == "" {
		f.nextID++
		c.ID = strconv.Itoa(f.nextID)
	}
	f.comments[problemID] = append(f.comments[problemID], c)
}

// Comments returns the comments a problem has, oldest first.
func (f *Fake) Comments(problemID string) []Comment {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Comment(nil), f.comments[problemID]...)
}

// Requests returns the requests received so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Fail makes the next n requests to an endpoint ("problems", "entities" or
// "comments") answer status, with Retry-After retryAfter when not "".
func (f *Fake) Fail(endpoint string, n, status int, retryAfter string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.failures[endpoint] = append(f.failures[endpoint], failure{status: status, retryAfter: retryAfter})
	}
}

// LoseResponse makes the next POST of a comment succeed but answer status,
// as when a response is lost after the server acted.
func (f *Fake) LoseResponse(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures["comments"] = append(f.failures["comments"], failure{status: status, after: true})
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization") == "Api-Token "+f.Token
	f.mu.Lock()
	f.requests = append(f.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: auth})
	f.mu.Unlock()
	if r.Header.Get("Authorization") == "" {
		writeError(w, http.StatusUnauthorized, "Missing authorization parameter.")
		return
	}
	if !auth {
		writeError(w, http.StatusUnauthorized, "Token Authentication failed")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v2/")
	if !ok {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 2 && parts[0] == "problems" && r.Method == http.MethodGet:
		if f.injected(w, r, "problems") {
			return
		}
		f.getProblem(w, parts[1])
	case len(parts) == 2 && parts[0] == "entities" && r.Method == http.MethodGet:
		if f.injected(w, r, "entities") {
			return
		}
		f.getEntity(w, parts[1])
	case len(parts) == 3 && parts[0] == "problems" && parts[2] == "comments":
		switch r.Method {
		case http.MethodGet:
			f.listComments(w, r, parts[1])
		case http.MethodPost:
			if f.injected(w, r, "comments") {
				return
			}
			f.postComment(w, r, parts[1])
		default:
			writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		}
	default:
		writeError(w, http.StatusNotFound, "Not found")
	}
}

// injected answers with an injected failure, if one is queued.
func (f *Fake) injected(w http.ResponseWriter, r *http.Request, endpoint string) bool {
	f.mu.Lock()
	q := f.failures[endpoint]
	if len(q) == 0 {
		f.mu.Unlock()
		return false
	}
	fl := q[0]
	f.failures[endpoint] = q[1:]
	f.mu.Unlock()
	if fl.after {
		rec := httptest.NewRecorder()
		f.postComment(rec, r, strings.Split(r.URL.Path, "/")[4])
	}
	if fl.retryAfter != "" {
		w.Header().Set("Retry-After", fl.retryAfter)
	}
	msg := http.StatusText(fl.status)
	if fl.status == http.StatusTooManyRequests {
		msg = "Too many requests"
	}
	writeError(w, fl.status, msg)
	return true
}

func (f *Fake) getProblem(w http.ResponseWriter, id string) {
	f.mu.Lock()
	p, ok := f.problems[id]
	f.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Problem with ID %s not found", id))
		return
	}
	if p.EvidenceDetails == nil {
		p.EvidenceDetails = &EvidenceDetails{Details: []Evidence{}}
	}
	p.EvidenceDetails.TotalCount = len(p.EvidenceDetails.Details)
	writeJSON(w, http.StatusOK, p)
}

func (f *Fake) getEntity(w http.ResponseWriter, id string) {
	f.mu.Lock()
	e, ok := f.entities[id]
	f.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("The requested entityId is invalid: %s", id))
		return
	}
	writeJSON(w, http.StatusOK, e)
}

type commentsPage struct {
	Comments    []Comment `json:"comments"`
	TotalCount  int       `json:"totalCount"`
	PageSize    int       `json:"pageSize"`
	NextPageKey string    `json:"nextPageKey,omitempty"`
}

// listComments pages newest-first. The nextPageKey encodes the offset and
// page size; as in Dynatrace, a request with nextPageKey may carry no other
// query parameter.
func (f *Fake) listComments(w http.ResponseWriter, r *http.Request, id string) {
	f.mu.Lock()
	_, ok := f.problems[id]
	all := append([]Comment(nil), f.comments[id]...)
	f.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Problem with ID %s not found", id))
		return
	}
	q := r.URL.Query()
	offset, size := 0, f.PageSize
	if key := q.Get("nextPageKey"); key != "" {
		if len(q) > 1 {
			writeError(w, http.StatusBadRequest, "If nextPageKey is set, no other query parameters are allowed.")
			return
		}
		raw, err := base64.RawURLEncoding.DecodeString(key)
		if _, serr := fmt.Sscanf(string(raw), "%d:%d", &offset, &size); err != nil || serr != nil || offset < 0 || size < 1 {
			writeError(w, http.StatusBadRequest, "Invalid nextPageKey")
			return
		}
	} else if ps := q.Get("pageSize"); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 || n > 500 {
			writeError(w, http.StatusBadRequest, "pageSize must be between 1 and 500")
			return
		}
		size = n
	}
	// newest first
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	page := commentsPage{Comments: []Comment{}, TotalCount: len(all), PageSize: size}
	if offset < len(all) {
		end := min(offset+size, len(all))
		page.Comments = all[offset:end]
		if end < len(all) {
			page.NextPageKey = base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%d", end, size)))
		}
	}
	writeJSON(w, http.StatusOK, page)
}

func (f *Fake) postComment(w http.ResponseWriter, r *http.Request, id string) {
	var body struct {
		Message string `json:"message"`
		Context string `json:"context"`
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "Could not map JSON: "+err.Error())
		return
	}
	if body.Message == "" {
		writeErrorViolations(w, http.StatusBadRequest, "Constraints violated.", "message", "must not be empty")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.problems[id]; !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Problem with ID %s not found", id))
		return
	}
	f.nextID++
	c := Comment{
		ID:                 strconv.Itoa(f.nextID),
		CreatedAtTimestamp: f.now().UnixMilli() + int64(f.nextID), // strictly increasing
		Content:            body.Message,
		AuthorName:         "tend-api-token",
		Context:            body.Context,
	}
	f.comments[id] = append(f.comments[id], c)
	writeJSON(w, http.StatusCreated, c)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": msg}})
}

func writeErrorViolations(w http.ResponseWriter, status int, msg, path, why string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": status, "message": msg,
		"constraintViolations": []map[string]string{{"path": path, "message": why, "parameterLocation": "PAYLOAD_BODY", "location": ""}},
	}})
}
