// perfgate/core/redact.hpp - Removes secrets from text before it is logged or written anywhere.
#pragma once

#include <string>
#include <string_view>

namespace perfgate::core {

// Returns `text` with secrets replaced by "***": the password of a URL's user info
// ("postgresql://u:pw@h/db" -> "postgresql://u:***@h/db"), libpq key/value passwords
// ("password=pw" -> "password=***"), key and token parameters ("?api_key=k", "&access_token=t",
// "secret=s"), and bearer tokens / API keys after "Bearer ", "Basic " or "X-Api-Key: ".
std::string redact(std::string_view text);

}  // namespace perfgate::core
