// Package dynamotest is a fake DynamoDB for tests: an httptest server that
// speaks the awsJson1.0 protocol (POST /, X-Amz-Target
// "DynamoDB_20120810.<Operation>", application/x-amz-json-1.0, errors as
// {"__type": "com.amazonaws.dynamodb.v20120810#…", "message": …}, an
// X-Amz-Crc32 on every response) for BatchWriteItem, BatchGetItem,
// PutItem, GetItem and Scan, so the real aws-sdk-go-v2 client and boto3 can both be pointed at
// it. Tables are created by the test (CreateTable) with a string hash key.
package dynamotest

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// AttributeValue is an item attribute in DynamoDB's JSON form
// ({"S": "x"}, {"N": "1"}, {"B": "base64"}, ...), kept as sent.
type AttributeValue = map[string]json.RawMessage

// Item is one item.
type Item = map[string]AttributeValue

type table struct {
	key   string
	items map[string]Item
}

// Fake is a fake DynamoDB endpoint; safe for concurrent use.
type Fake struct {
	*httptest.Server
	mu     sync.Mutex
	tables map[string]*table
	// unprocessed: the next n items written by BatchWriteItem are handed
	// back as UnprocessedItems (throttling), to exercise retries.
	unprocessed int
	// Requests counts requests by operation.
	requests map[string]int
}

// New starts a fake.
func New() *Fake {
	f := &Fake{tables: map[string]*table{}, requests: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// CreateTable creates a table whose items are keyed by the string
// attribute key.
func (f *Fake) CreateTable(name, key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tables[name] = &table{key: key, items: map[string]Item{}}
}

// Throttle makes BatchWriteItem hand back the next n items unprocessed.
func (f *Fake) Throttle(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unprocessed = n
}

// Items returns a table's items by key.
func (f *Fake) Items(name string) map[string]Item {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]Item{}
	if t := f.tables[name]; t != nil {
		for k, v := range t.items {
			out[k] = v
		}
	}
	return out
}

// Requests returns how many requests of an operation were served.
func (f *Fake) Requests(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[op]
}

type apiError struct {
	status int
	typ    string
	msg    string
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, apiError{http.StatusBadRequest, "SerializationException", "awsJson1.0 requests are POSTs"})
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.0" {
		writeError(w, apiError{http.StatusBadRequest, "SerializationException", "Content-Type must be application/x-amz-json-1.0, got " + ct})
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeError(w, apiError{http.StatusBadRequest, "MissingAuthenticationTokenException", "Request is missing Authentication Token"})
		return
	}
	service, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	if service != "DynamoDB_20120810" {
		writeError(w, apiError{http.StatusBadRequest, "UnknownOperationException", "unknown target " + r.Header.Get("X-Amz-Target")})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		writeError(w, apiError{http.StatusBadRequest, "SerializationException", err.Error()})
		return
	}
	f.mu.Lock()
	f.requests[op]++
	f.mu.Unlock()
	var out any
	var aerr *apiError
	switch op {
	case "BatchWriteItem":
		out, aerr = f.batchWrite(body)
	case "PutItem":
		out, aerr = f.putItem(body)
	case "GetItem":
		out, aerr = f.getItem(body)
	case "BatchGetItem":
		out, aerr = f.batchGet(body)
	case "Scan":
		out, aerr = f.scan(body)
	default:
		aerr = &apiError{http.StatusBadRequest, "UnknownOperationException", "operation " + op + " is not implemented by the fake"}
	}
	if aerr != nil {
		writeError(w, *aerr)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e apiError) {
	writeJSON(w, e.status, map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + e.typ, "message": e.msg})
}

func validation(format string, a ...any) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationException", fmt.Sprintf(format, a...)}
}

// keyOf checks an item against its table and returns its key value.
func (t *table) keyOf(it Item) (string, *apiError) {
	av, ok := it[t.key]
	if !ok {
		return "", validation("One or more parameter values were invalid: Missing the key %s in the item", t.key)
	}
	raw, ok := av["S"]
	if !ok || len(av) != 1 {
		return "", validation("One or more parameter values were invalid: Type mismatch for key %s expected: S", t.key)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" {
		return "", validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s", t.key)
	}
	return s, nil
}

func (f *Fake) table(name string) (*table, *apiError) {
	t, ok := f.tables[name]
	if !ok {
		return nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException", "Requested resource not found: Table: " + name + " not found"}
	}
	return t, nil
}

func (f *Fake) batchWrite(body []byte) (any, *apiError) {
	var in struct {
		RequestItems map[string][]struct {
			PutRequest *struct{ Item Item }
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, &apiError{http.StatusBadRequest, "SerializationException", err.Error()}
	}
	total := 0
	for _, reqs := range in.RequestItems {
		total += len(reqs)
	}
	if total == 0 || total > 25 {
		return nil, validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have length less than or equal to 25 and at least 1 (got %d)", total)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	unprocessed := map[string][]any{}
	for name, reqs := range in.RequestItems {
		t, aerr := f.table(name)
		if aerr != nil {
			return nil, aerr
		}
		for _, rq := range reqs {
			if rq.PutRequest == nil {
				return nil, validation("only PutRequest is implemented by the fake")
			}
			k, aerr := t.keyOf(rq.PutRequest.Item)
			if aerr != nil {
				return nil, aerr
			}
			if f.unprocessed > 0 {
				f.unprocessed--
				unprocessed[name] = append(unprocessed[name], map[string]any{"PutRequest": map[string]any{"Item": rq.PutRequest.Item}})
				continue
			}
			t.items[k] = rq.PutRequest.Item
		}
	}
	return map[string]any{"UnprocessedItems": unprocessed}, nil
}

func (f *Fake) putItem(body []byte) (any, *apiError) {
	var in struct {
		TableName string
		Item      Item
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, &apiError{http.StatusBadRequest, "SerializationException", err.Error()}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, aerr := f.table(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	k, aerr := t.keyOf(in.Item)
	if aerr != nil {
		return nil, aerr
	}
	t.items[k] = in.Item
	return map[string]any{}, nil
}

func (f *Fake) getItem(body []byte) (any, *apiError) {
	var in struct {
		TableName string
		Key       Item
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, &apiError{http.StatusBadRequest, "SerializationException", err.Error()}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, aerr := f.table(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	k, aerr := t.keyOf(in.Key)
	if aerr != nil {
		return nil, aerr
	}
	if it, ok := t.items[k]; ok {
		return map[string]any{"Item": it}, nil
	}
	return map[string]any{}, nil
}

// scan returns items in key order, Limit at a time, paged by
// ExclusiveStartKey / LastEvaluatedKey.
func (f *Fake) scan(body []byte) (any, *apiError) {
	var in struct {
		TableName         string
		Limit             int
		ExclusiveStartKey Item
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, &apiError{http.StatusBadRequest, "SerializationException", err.Error()}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, aerr := f.table(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	keys := make([]string, 0, len(t.items))
	for k := range t.items {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	start := ""
	if in.ExclusiveStartKey != nil {
		s, aerr := t.keyOf(in.ExclusiveStartKey)
		if aerr != nil {
			return nil, aerr
		}
		start = s
	}
	limit := in.Limit
	if limit <= 0 {
		limit = 1000
	}
	items := []Item{}
	out := map[string]any{}
	for _, k := range keys {
		if start != "" && k <= start {
			continue
		}
		if len(items) == limit {
			out["LastEvaluatedKey"] = Item{t.key: {"S": mustJSON(items[len(items)-1][t.key]["S"])}}
			break
		}
		items = append(items, t.items[k])
	}
	out["Items"] = items
	out["Count"] = len(items)
	out["ScannedCount"] = len(items)
	return out, nil
}

func mustJSON(raw json.RawMessage) json.RawMessage { return raw }

// batchGet answers BatchGetItem (up to 100 keys; ProjectionExpression of
// plain attribute names, comma-separated).
func (f *Fake) batchGet(body []byte) (any, *apiError) {
	var in struct {
		RequestItems map[string]struct {
			Keys                 []Item
			ProjectionExpression string
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, &apiError{http.StatusBadRequest, "SerializationException", err.Error()}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	total := 0
	for _, r := range in.RequestItems {
		total += len(r.Keys)
	}
	if total == 0 || total > 100 {
		return nil, validation("Too many items requested for the BatchGetItem call (got %d)", total)
	}
	responses := map[string][]Item{}
	for name, r := range in.RequestItems {
		t, aerr := f.table(name)
		if aerr != nil {
			return nil, aerr
		}
		var attrs []string
		for _, a := range strings.Split(r.ProjectionExpression, ",") {
			if a = strings.TrimSpace(a); a != "" {
				attrs = append(attrs, a)
			}
		}
		responses[name] = []Item{}
		for _, key := range r.Keys {
			k, aerr := t.keyOf(key)
			if aerr != nil {
				return nil, aerr
			}
			it, ok := t.items[k]
			if !ok {
				continue
			}
			if len(attrs) > 0 {
				p := Item{}
				for _, a := range attrs {
					if v, ok := it[a]; ok {
						p[a] = v
					}
				}
				it = p
			}
			responses[name] = append(responses[name], it)
		}
	}
	return map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}}, nil
}
