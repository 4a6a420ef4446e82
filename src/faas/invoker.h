// The caller side of the Invoke API: invokes a function on the local platform or on AWS Lambda
// (https://lambda.<region>.amazonaws.com, SigV4-signed with service "lambda").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "faas/billing.h"

namespace faasdl::faas {

struct InvokeResult {
  // HTTP status: 200 (RequestResponse), 202 (Event), 204 (DryRun).
  int status = 0;
  // The function's response, or its error JSON when function_error is set.
  std::string body;
  // X-Amz-Function-Error ("Unhandled", "Handled"), "" on success.
  std::string function_error;
  // X-Faasdl-Billing from the local platform; nullopt from AWS (which bills in its logs).
  std::optional<BillingRecord> billing;
  // X-Amz-Log-Result decoded (when log_tail was asked).
  std::string log_tail;
  // x-amzn-RequestId.
  std::string request_id;
};

struct InvokerOptions {
  // Endpoint URL: "http://127.0.0.1:9000" (local platform) or "https://lambda.eu-west-1.amazonaws.com".
  // "" = https://lambda.<region>.amazonaws.com. Default "".
  std::string endpoint;
  // Region of the signature scope and of the default endpoint. Default "us-east-1".
  std::string region = "us-east-1";
  // Sign requests with SigV4 (service "lambda"). Default true when credentials are present.
  bool sign = true;
  // Keys to sign with; "" = AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN from the
  // environment. Without keys requests go unsigned (fine for a local platform without credentials).
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  // "RequestResponse", "Event" or "DryRun". Default "RequestResponse".
  std::string invocation_type = "RequestResponse";
  // Ask for the last 4 KB of the log (X-Amz-Log-Type: Tail). Default false.
  bool log_tail = false;
  // Function version or alias; "" = $LATEST. Default "".
  std::string qualifier;
  // Tries on transport errors and 5xx (not on 429, not on function errors). Default 3.
  int max_attempts = 3;
};

class Invoker {
 public:
  explicit Invoker(InvokerOptions options = {});

  // Invokes `function` with `payload`. A function error is a successful call with
  // function_error set. API errors become a Status:
  //   429 TooManyRequestsException -> kUnavailable (retryable), message ends with
  //       "retry after N ms" (see retry_after_ms());
  //   404 -> kNotFound; 400 -> kInvalidArgument; 413 -> kResourceExhausted; 403 -> kPermissionDenied;
  //   5xx -> kUnavailable; transport failures -> kUnavailable; past the deadline -> kDeadlineExceeded.
  Result<InvokeResult> invoke(const std::string& function, std::string_view payload, Deadline deadline) const;

  const InvokerOptions& options() const { return options_; }

 private:
  InvokerOptions options_;
};

// The Retry-After hint carried by a throttled invoke's Status, in ms; nullopt when none.
std::optional<int64_t> retry_after_ms(const Status& status);

}  // namespace faasdl::faas
