package devopsguru

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error is an error as the service answers it (rest-json): the HTTP status,
// the error's name in the x-amzn-ErrorType header, and a JSON body with its
// members (Message, and for some errors Reason, Fields, ResourceId,
// ResourceType).
type Error struct {
	Status  int
	Type    string
	Message string
	// Reason and Fields are ValidationException's.
	Reason string
	Fields []FieldError
	// ResourceID and ResourceType are ResourceNotFoundException's and
	// ConflictException's.
	ResourceID   string
	ResourceType string
	// lowerMessage writes "message" instead of "Message", as the service's
	// front end does for the errors it raises itself (authentication,
	// unknown operations).
	lowerMessage bool
}

// FieldError names a field that failed validation.
type FieldError struct {
	Name    string `json:"Name"`
	Message string `json:"Message"`
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

func (e *Error) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", e.Type)
	w.WriteHeader(e.Status)
	body := map[string]any{}
	if e.lowerMessage {
		body["message"] = e.Message
	} else {
		body["Message"] = e.Message
	}
	if e.Reason != "" {
		body["Reason"] = e.Reason
	}
	if len(e.Fields) > 0 {
		body["Fields"] = e.Fields
	}
	if e.ResourceID != "" || e.ResourceType != "" {
		body["ResourceId"], body["ResourceType"] = e.ResourceID, e.ResourceType
	}
	_ = json.NewEncoder(w).Encode(body)
}

// Validation reasons (ValidationExceptionReason).
const (
	reasonCannotParse     = "CANNOT_PARSE"
	reasonFieldValidation = "FIELD_VALIDATION_FAILED"
	reasonInvalidCombo    = "INVALID_PARAMETER_COMBINATION"
	reasonOther           = "OTHER"
)

// invalid is a ValidationException naming the field.
func invalid(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Status: http.StatusBadRequest, Type: "ValidationException", Reason: reasonFieldValidation,
		Message: fmt.Sprintf("1 validation error detected: Value at '%s' failed to satisfy constraint: %s", field, msg),
		Fields:  []FieldError{{Name: field, Message: msg}}}
}

func invalidCombination(field, format string, args ...any) *Error {
	e := invalid(field, format, args...)
	e.Reason = reasonInvalidCombo
	e.Message = fmt.Sprintf(format, args...)
	return e
}

// tooLarge is a body over limit bytes: a ValidationException naming the
// field body, with status 413 (the service model has no error of its own
// for it, and the SDKs surface the type and message whatever the status).
func tooLarge(limit int64) *Error {
	e := invalid("body", "the request body is larger than the limit of %d bytes: send a smaller request (for UpdateResourceCollection, fewer stack names or tag values per request)", limit)
	e.Status = http.StatusRequestEntityTooLarge
	return e
}

func cannotParse(err error) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "ValidationException", Reason: reasonCannotParse,
		Message: "the request body is not valid JSON for this operation: " + err.Error()}
}

func notFound(typ, id, format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Type: "ResourceNotFoundException", Message: fmt.Sprintf(format, args...),
		ResourceID: id, ResourceType: typ}
}

func accessDenied(format string, args ...any) *Error {
	return &Error{Status: http.StatusForbidden, Type: "AccessDeniedException", Message: fmt.Sprintf(format, args...)}
}

func conflict(typ, id, format string, args ...any) *Error {
	return &Error{Status: http.StatusConflict, Type: "ConflictException", Message: fmt.Sprintf(format, args...),
		ResourceID: id, ResourceType: typ}
}

func internal() *Error {
	return &Error{Status: http.StatusInternalServerError, Type: "InternalServerException",
		Message: "tend could not complete the request (see its log); retry later"}
}

// errUnknownOperation is how the service's front end answers a request it
// cannot route to an operation; tend answers the same for the operations of
// the model it does not implement.
func errUnknownOperation(method, path string) *Error {
	return &Error{Status: http.StatusNotFound, Type: "UnknownOperationException", lowerMessage: true,
		Message: fmt.Sprintf("Unable to determine service/operation name to be authorized (%s %s is not an operation tend serves; see docs/devops-guru-api.md)", method, path)}
}

func errMissingToken() *Error {
	return &Error{Status: http.StatusForbidden, Type: "MissingAuthenticationTokenException", lowerMessage: true,
		Message: "Missing Authentication Token"}
}

func errIncompleteSignature(msg string) *Error {
	return &Error{Status: http.StatusForbidden, Type: "IncompleteSignatureException", lowerMessage: true, Message: msg}
}

func errInvalidSignature(msg string) *Error {
	return &Error{Status: http.StatusForbidden, Type: "InvalidSignatureException", lowerMessage: true, Message: msg}
}

func errSignatureMismatch() *Error {
	return errInvalidSignature("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

func errUnrecognizedClient() *Error {
	return &Error{Status: http.StatusForbidden, Type: "UnrecognizedClientException", lowerMessage: true,
		Message: "The security token included in the request is invalid."}
}
