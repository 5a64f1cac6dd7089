// workload.cpp - Virtual users for completion and analysis endpoints.
#include "perfgate/llm/workload.hpp"

#include <fmt/format.h>

#include <boost/beast/http/field.hpp>
#include <cmath>
#include <cstdlib>
#include <random>

#include "perfgate/core/error.hpp"
#include "perfgate/core/random.hpp"
#include "perfgate/metrics/catalog.hpp"

namespace perfgate::llm {

namespace bhttp = boost::beast::http;
using metrics::ErrorKind;
using nlohmann::json;

namespace {

// What both LLM workloads send to: the target and the prompts users draw from.
struct PromptedTarget {
  PromptedTarget(const net::Url& target, const net::ClientOptions& client,
                 std::vector<std::string> prompts_, std::string_view workload)
      : origin(std::make_shared<net::Origin>(target, client)), prompts(std::move(prompts_)) {
    if (prompts.empty()) throw core::Error(fmt::format("{} workload needs prompts", workload));
  }
  std::shared_ptr<const net::Origin> origin;
  std::vector<std::string> prompts;
};

}  // namespace

struct CompletionWorkload::Shared : PromptedTarget {
  using PromptedTarget::PromptedTarget;
  CompletionOptions options;
  std::optional<std::string> api_key;
  std::string path;
  struct ByTag {
    metrics::MetricId ttft, e2e;
  };
  metrics::MetricId ttft = 0, ttfo = 0, itl = 0, tpot = 0, e2e = 0, tokens_per_s = 0,
                    reasoning_tokens = 0;
  std::vector<ByTag> by_model;
  ByTag first{}, warm{};
  metrics::CounterId tokens = 0, tokens_steady = 0, from_usage = 0, from_deltas = 0, slo_met = 0;
};

namespace {

class CompletionUser final : public load::UserOf<CompletionWorkload::Shared> {
 public:
  using UserOf::UserOf;

  void iterate(load::Completion done) override {
    const CompletionOptions& o = s_->options;
    const std::size_t n = o.models.size();
    std::size_t model = index_ % n;
    bool first_after_switch = false;
    if (o.switch_every > 0) {
      model = (index_ + requests_ / o.switch_every) % n;
      first_after_switch = requests_ % o.switch_every == 0;
    }
    ++requests_;
    json body = o.extra;
    body["model"] = o.models[model];
    body["max_tokens"] = o.max_tokens;
    body["stream"] = o.stream;
    if (o.stream && o.include_usage) body["stream_options"] = {{"include_usage", true}};
    const std::string& prompt = s_->prompts[rng_() % s_->prompts.size()];
    if (o.endpoint == Endpoint::kChat) {
      body["messages"] = json::array({{{"role", "user"}, {"content", prompt}}});
    } else {
      body["prompt"] = prompt;
    }
    net::Request req{bhttp::verb::post, s_->path, 11};
    req.set(bhttp::field::content_type, "application/json");
    if (o.stream) req.set(bhttp::field::accept, "text/event-stream");
    if (s_->api_key) req.set(bhttp::field::authorization, "Bearer " + *s_->api_key);
    req.body() = body.dump();

    done_.hold(std::move(done));
    model_ = model;
    first_ = first_after_switch;
    operation_start_ = ctx_.operation_start;
    // Every figure runs from the request's start: in open loop the intended one, so that a
    // wait for a free slot (when_busy: queue) shows in ttft and e2e as it does in latency.
    sent_ = operation_start_;
    net::BodySink sink;
    if (o.stream) {
      reader_.emplace(o.endpoint, sent_);
      sink = [this](std::string_view bytes, core::TimePoint at) { reader_->feed(bytes, at); };
    }
    connection_.send(
        std::move(req), [this](net::Exchange&& ex) { on_response(std::move(ex)); },
        std::move(sink));
  }

  void cancel() override { connection_.cancel(); }

 private:
  void on_response(net::Exchange&& ex) {
    const core::TimePoint now = core::SteadyClock::now();
    if (ex.error != ErrorKind::kNone) return complete(ex.error);
    if (ex.status != 200) return complete(net::unexpected_status_kind(ex.status));
    CompletionTimeline timeline;
    std::string detail;
    ErrorKind kind = ErrorKind::kNone;
    if (reader_) {
      kind = reader_->finish(now);
      timeline = reader_->timeline();
    } else {
      kind = read_completion_body(s_->options.endpoint, ex.body, sent_, now, timeline, detail);
    }
    if (kind != ErrorKind::kNone) return complete(kind);
    record(compute_metrics(timeline));
    complete(ErrorKind::kNone);
  }

  void record(const CompletionMetrics& m) {
    auto& r = ctx_.recorder;
    const auto& s = *s_;
    r.record(s.e2e, m.e2e.count());
    if (m.ttft) r.record(s.ttft, m.ttft->count());
    if (m.ttfo) r.record(s.ttfo, m.ttfo->count());
    if (m.reasoning_tokens)
      r.record(s.reasoning_tokens, static_cast<std::int64_t>(*m.reasoning_tokens));
    for (const auto gap : m.itl) r.record(s.itl, gap.count());
    if (m.tpot) r.record(s.tpot, m.tpot->count());
    if (m.output_tokens_per_s) r.record(s.tokens_per_s, std::llround(*m.output_tokens_per_s * 1e3));
    const auto tagged = [&](const CompletionWorkload::Shared::ByTag& ids) {
      r.record(ids.e2e, m.e2e.count());
      if (m.ttft) r.record(ids.ttft, m.ttft->count());
    };
    if (!s.by_model.empty()) tagged(s.by_model[model_]);
    if (s.options.switch_every > 0) tagged(first_ ? s.first : s.warm);
    r.add(s.tokens, m.output_tokens);
    r.add(m.token_source == TokenSource::kUsage ? s.from_usage : s.from_deltas);
    // Counted by the request's (intended) start, as throughput is.
    const bool steady = ctx_.is_steady && ctx_.is_steady(operation_start_);
    if (steady) r.add(s.tokens_steady, m.output_tokens);
    if (steady && !s.options.slo.empty() && meets_slo(m, s.options.slo)) r.add(s.slo_met);
  }

  void complete(ErrorKind error) {
    reader_.reset();
    done_.fire({.error = error, .tag = static_cast<std::uint16_t>(model_)});
  }

  net::Connection connection_{ctx_.io, s_->origin};
  core::SplitMix64 rng_{index_ * 7919 + 17};
  std::uint64_t requests_ = 0;
  std::size_t model_ = 0;
  bool first_ = false;
  core::TimePoint sent_;
  core::TimePoint operation_start_;  // the executor's start of this request (intended, open loop)
  std::optional<StreamReader> reader_;
  load::PendingCompletion done_;
};

}  // namespace

CompletionWorkload::CompletionWorkload(const net::Url& target, const net::ClientOptions& client,
                                       CompletionOptions options, std::vector<std::string> prompts)
    : shared_(std::make_shared<Shared>(target, client, std::move(prompts), "a completion")) {
  shared_->path = target.base_path + (options.endpoint == Endpoint::kChat ? "/v1/chat/completions"
                                                                          : "/v1/completions");
  if (const char* key = std::getenv(options.api_key_env.c_str()); key != nullptr && *key != '\0') {
    shared_->api_key = key;
  }
  shared_->options = std::move(options);
}

void CompletionWorkload::declare(metrics::MetricSet& set) {
  Shared& s = *shared_;
  s.ttft = set.histogram("ttft");
  s.ttfo = set.histogram("ttfo");
  s.reasoning_tokens = set.histogram("reasoning_tokens");
  s.itl = set.histogram("itl");
  s.tpot = set.histogram("tpot");
  s.e2e = set.histogram("e2e");
  s.tokens_per_s = set.histogram("output_tokens_per_s");
  const auto by = [&](std::string_view tag, const std::string& value) {
    return Shared::ByTag{set.histogram(metrics::tagged("ttft", tag, value)),
                         set.histogram(metrics::tagged("e2e", tag, value))};
  };
  if (s.options.models.size() > 1) {
    for (const std::string& m : s.options.models) s.by_model.push_back(by("model", m));
  }
  if (s.options.switch_every > 0) {
    s.first = by("switch", "first");
    s.warm = by("switch", "warm");
  }
  s.tokens = set.counter("output_tokens");
  s.tokens_steady = set.steady_rate("output_token_throughput");
  s.from_usage = set.counter("requests_tokens_from_usage");
  s.from_deltas = set.counter("requests_tokens_from_deltas");
  if (!s.options.slo.empty()) s.slo_met = set.steady_rate("goodput");
}

load::OperationTags CompletionWorkload::tags() const { return {"model", shared_->options.models}; }

std::unique_ptr<load::VirtualUser> CompletionWorkload::make_user(load::WorkerContext& ctx,
                                                                 std::uint64_t user_index) {
  return std::make_unique<CompletionUser>(ctx, shared_, user_index);
}

struct AnalyzeWorkload::Shared : PromptedTarget {
  using PromptedTarget::PromptedTarget;
  AnalyzeOptions options;
  metrics::MetricId item_latency = 0;
};

namespace {

class AnalyzeUser final : public load::UserOf<AnalyzeWorkload::Shared> {
 public:
  using UserOf::UserOf;

  void iterate(load::Completion done) override {
    const AnalyzeOptions& o = s_->options;
    json body;
    const auto item = [&] {
      return json{{"text", s_->prompts[rng_() % s_->prompts.size()]}, {"analysis", o.analysis}};
    };
    std::string target = s_->origin->url().base_path;
    if (o.batch == 0) {
      body = item();
      target += "/analyze/text";
    } else {
      body["items"] = json::array();
      for (std::uint32_t i = 0; i < o.batch; ++i) body["items"].push_back(item());
      target += "/analyze/batch";
    }
    net::Request req{bhttp::verb::post, target, 11};
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body.dump();
    done_.hold(std::move(done));
    sent_ = ctx_.operation_start;  // the intended start in open loop, as latency
    connection_.send(std::move(req), [this](net::Exchange&& ex) { on_response(std::move(ex)); });
  }

  void cancel() override { connection_.cancel(); }

 private:
  void on_response(net::Exchange&& ex) {
    const auto elapsed = core::SteadyClock::now() - sent_;
    if (ex.error != ErrorKind::kNone) return complete(ex.error);
    if (ex.status != 200) return complete(net::unexpected_status_kind(ex.status));
    const json j = json::parse(ex.body, nullptr, false);
    const std::uint32_t batch = s_->options.batch;
    const bool ok = batch == 0 ? j.is_object() && j.contains("result")
                               : j.is_object() && j.contains("results") &&
                                     j["results"].is_array() && j["results"].size() == batch;
    if (!ok) return complete(ErrorKind::kProtocol);
    if (batch > 0) ctx_.recorder.record(s_->item_latency, elapsed.count() / batch);
    complete(ErrorKind::kNone);
  }

  void complete(ErrorKind error) { done_.fire({.error = error}); }

  net::Connection connection_{ctx_.io, s_->origin};
  core::SplitMix64 rng_{index_ * 104729 + 3};
  core::TimePoint sent_;
  load::PendingCompletion done_;
};

}  // namespace

AnalyzeWorkload::AnalyzeWorkload(const net::Url& target, const net::ClientOptions& client,
                                 AnalyzeOptions options, std::vector<std::string> prompts)
    : shared_(std::make_shared<Shared>(target, client, std::move(prompts), "an analyze")) {
  shared_->options = std::move(options);
}

void AnalyzeWorkload::declare(metrics::MetricSet& set) {
  if (shared_->options.batch > 0) shared_->item_latency = set.histogram("item_latency");
}

std::unique_ptr<load::VirtualUser> AnalyzeWorkload::make_user(load::WorkerContext& ctx,
                                                              std::uint64_t user_index) {
  return std::make_unique<AnalyzeUser>(ctx, shared_, user_index);
}

}  // namespace perfgate::llm
