-- Drives the bundled language server from Neovim 0.7 (Debian's) with the README's Lua lines as
-- init.lua (vim.lsp.start_client + vim.lsp.buf_attach_client; vim.lsp.start is 0.8+).
-- Inputs (environment): ALMA_SIS_FILE (an SIS file), ALMA_SIS_WAIT_CODE (a diagnostic code to
-- wait for), ALMA_SIS_HOVER_LINE/COL (0-based), ALMA_SIS_OUT (where to write the result as JSON).
-- Run by test/nvim/nvim.test.ts.
local env = function(name)
  local v = os.getenv(name)
  if v == nil or v == '' then error('missing environment variable ' .. name) end
  return v
end
local out = env('ALMA_SIS_OUT')
local result = { errors = {} }

local function finish()
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qall!')
end

local ok, err = pcall(function()
  local file = env('ALMA_SIS_FILE')
  local wait_code = env('ALMA_SIS_WAIT_CODE')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()

  -- The README's lines (loaded as init.lua) start the server on the FileType event and attach
  -- this buffer; wait for that, as a user opening the file would.
  local attached = vim.wait(10000, function() return next(vim.lsp.buf_get_clients(bufnr)) ~= nil end, 50)
  if not attached then error('no language server attached to the buffer (filetype ' .. vim.bo[bufnr].filetype .. ')') end
  local client_id = next(vim.lsp.buf_get_clients(bufnr))

  local function code_of(d)
    if d.code ~= nil then return d.code end
    if d.user_data and d.user_data.lsp then return d.user_data.lsp.code end
    return nil
  end
  local got = vim.wait(20000, function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if code_of(d) == wait_code then return true end
    end
    return false
  end, 50)
  if not got then table.insert(result.errors, 'no ' .. wait_code .. ' diagnostic within 20 s') end
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(result.diagnostics, {
      code = code_of(d), severity = d.severity, message = d.message,
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
    })
  end

  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = tonumber(env('ALMA_SIS_HOVER_LINE')), character = tonumber(env('ALMA_SIS_HOVER_COL')) },
  }
  local responses, herr = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, 10000)
  if not responses then table.insert(result.errors, 'hover: ' .. tostring(herr)) end
  result.hover = {}
  for _, r in pairs(responses or {}) do
    if r.err then table.insert(result.errors, 'hover error: ' .. vim.inspect(r.err)) end
    local c = r.result and r.result.contents
    if type(c) == 'table' and c.value then table.insert(result.hover, c.value)
    elseif type(c) == 'string' then table.insert(result.hover, c) end
  end

  -- Shut the server down cleanly and wait for it to exit.
  vim.lsp.stop_client(client_id)
  local stopped = vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
  result.stopped = stopped
end)
if not ok then table.insert(result.errors, tostring(err)) end
finish()
