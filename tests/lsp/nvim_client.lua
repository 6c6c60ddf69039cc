-- Headless Neovim as an LSP client (run by tests/lsp/nvim_test.cpp):
--   nvim --headless -u NONE -i NONE -n -c 'luafile tests/lsp/nvim_client.lua'
-- Environment: PGLENS_BINARY, PGLENS_PLUGIN (editor-plugins/nvim), PGLENS_SQL (a file with
-- problems), PGLENS_PLAN (a *.explain file), PGLENS_OUT (the report this script writes).
local out = {}
local function say(line)
  table.insert(out, line)
end
local function finish(code)
  vim.fn.writefile(out, os.getenv('PGLENS_OUT'))
  vim.cmd((code == 0 and 'qall!' or 'cquit! ' .. code))
end
local function fail(message)
  say('FAIL: ' .. message)
  finish(1)
end

local ok, err = pcall(function()
  vim.opt.runtimepath:prepend(os.getenv('PGLENS_PLUGIN'))
  vim.cmd('filetype on')
  require('pglens').setup({ cmd = { os.getenv('PGLENS_BINARY'), 'lsp' } })
  local status_events = 0
  vim.api.nvim_create_autocmd('User', {
    pattern = 'PglensDatabaseStatus',
    callback = function() status_events = status_events + 1 end,
  })

  vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('PGLENS_SQL')))
  local buf = vim.api.nvim_get_current_buf()
  say('filetype ' .. vim.bo[buf].filetype)

  local function code_of(d)
    return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  end
  local function stars()
    local n = 0
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if code_of(d) == 'select-star' then
        n = n + 1
      end
    end
    return n
  end

  if not vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 20) then
    return fail('no diagnostics arrived')
  end
  -- The server's pglens/databaseStatus: no database in this workspace.
  vim.wait(5000, function() return status_events > 0 end, 20)
  say(string.format('status %s (%d event)', require('pglens').status(), status_events))
  say('PglensStatus ' .. vim.trim(vim.fn.execute('PglensStatus')))
  local diagnostics = vim.diagnostic.get(buf)
  table.sort(diagnostics, function(a, b) return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col) end)
  for _, d in ipairs(diagnostics) do
    say(string.format('diagnostic %d:%d %s %s', d.lnum, d.col, code_of(d), d.source))
  end

  local target
  for _, d in ipairs(diagnostics) do
    if code_of(d) == 'select-star' then
      target = d
      break
    end
  end
  if not target then
    return fail('no select-star diagnostic')
  end
  local before = stars()
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = {
      start = { line = target.lnum, character = target.col },
      ['end'] = { line = target.end_lnum, character = target.end_col },
    },
    context = { diagnostics = {} },
  }
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, 10000)
  local chosen
  for _, response in pairs(responses or {}) do
    for _, action in ipairs(response.result or {}) do
      say('action ' .. action.title)
      if action.title == 'Ignore `select-star` here' then
        chosen = action
      end
    end
  end
  if not chosen then
    return fail('no "Ignore `select-star` here" action')
  end
  vim.lsp.util.apply_workspace_edit(chosen.edit, 'utf-16')
  if not vim.wait(20000, function() return stars() < before end, 20) then
    return fail('the select-star diagnostic stayed after the action')
  end
  say(string.format('select-star diagnostics %d -> %d', before, stars()))
  for _, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    say('buffer ' .. line)
  end

  -- The statement sharing its line with another, the line ending in a `--` comment: the
  -- ignore comment goes on a line of its own before the statement, never at the line's end.
  local shared
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local line = vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, false)[1] or ''
    if code_of(d) == 'select-star' and line:find('-- the report', 1, true) then shared = d end
  end
  if shared then
    local before_shared = stars()
    local shared_actions = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      range = { start = { line = shared.lnum, character = shared.col }, ['end'] = { line = shared.lnum, character = shared.col } },
      context = { diagnostics = {} },
    }, 10000)
    for _, response in pairs(shared_actions or {}) do
      for _, action in ipairs(response.result or {}) do
        if action.title == 'Ignore `select-star` here' then
          vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')
        end
      end
    end
    if not vim.wait(20000, function() return stars() < before_shared end, 20) then
      return fail('the shared-line select-star diagnostic stayed after the action')
    end
    say(string.format('shared line: select-star diagnostics %d -> %d', before_shared, stars()))
    for _, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
      say('buffer ' .. line)
    end
  end

  -- Hover over the remaining finding returns the rule's docs.
  local rest
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if code_of(d) == 'select-star' then rest = d end
  end
  if rest then
    local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      position = { line = rest.lnum, character = rest.col },
    }, 10000)
    for _, response in pairs(hover or {}) do
      if response.result and response.result.contents.value:find('## What it does', 1, true) then
        say('hover shows the rule docs')
      end
    end
  end

  -- Plans get their own filetype and the same server; their actions never write into the
  -- plan (no ignore comment; the DDL goes into the query file the plan names).
  local plan = os.getenv('PGLENS_PLAN')
  if plan then
    vim.cmd('edit ' .. vim.fn.fnameescape(plan))
    local pbuf = vim.api.nvim_get_current_buf()
    say('plan filetype ' .. vim.bo[pbuf].filetype)
    vim.wait(5000, function() return #vim.lsp.buf_get_clients(pbuf) > 0 end, 20)
    say('plan clients ' .. #vim.lsp.buf_get_clients(pbuf))
    if not vim.wait(20000, function() return #vim.diagnostic.get(pbuf) > 0 end, 20) then
      return fail('no plan diagnostics arrived')
    end
    local titles = {}
    for _, d in ipairs(vim.diagnostic.get(pbuf)) do
      local responses = vim.lsp.buf_request_sync(pbuf, 'textDocument/codeAction', {
        textDocument = { uri = vim.uri_from_bufnr(pbuf) },
        range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.lnum, character = d.col } },
        context = { diagnostics = {} },
      }, 10000)
      for _, response in pairs(responses or {}) do
        for _, action in ipairs(response.result or {}) do
          titles[action.title] = true
          for target, _ in pairs(action.edit and action.edit.changes or {}) do
            if target == vim.uri_from_bufnr(pbuf) then
              return fail('a plan action edits the plan: ' .. action.title)
            end
          end
        end
      end
    end
    local sorted = {}
    for title, _ in pairs(titles) do table.insert(sorted, title) end
    table.sort(sorted)
    for _, title in ipairs(sorted) do say('plan action ' .. title) end

    -- The plan's actions as a user runs them: the DDL goes into the query file the plan
    -- names, above its query; "Copy" without a clipboard provider leaves it in the unnamed
    -- register and says so; the plan itself is never edited.
    local plan_text = table.concat(vim.api.nvim_buf_get_lines(pbuf, 0, -1, false), '\n')
    local d = vim.diagnostic.get(pbuf)[1]
    local responses = vim.lsp.buf_request_sync(pbuf, 'textDocument/codeAction', {
      textDocument = { uri = vim.uri_from_bufnr(pbuf) },
      range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.lnum, character = d.col } },
      context = { diagnostics = {} },
    }, 10000)
    local notes = {}
    local notify = vim.notify
    vim.notify = function(message) table.insert(notes, message) end
    for _, response in pairs(responses or {}) do
      for _, action in ipairs(response.result or {}) do
        if action.edit then vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16') end
        if action.command then vim.lsp.commands[action.command.command](action.command, {}) end
      end
    end
    vim.notify = notify
    for _, line in ipairs(vim.api.nvim_buf_get_lines(vim.fn.bufnr(os.getenv('PGLENS_SQL')), 0, 3, false)) do
      say('query file ' .. line)
    end
    say('plan unchanged: ' .. tostring(table.concat(vim.api.nvim_buf_get_lines(pbuf, 0, -1, false), '\n') == plan_text))
    say('copy: ' .. table.concat(notes, ' / '))
    say('register: ' .. vim.fn.getreg('"'):sub(1, 40))
  end

  -- A statement after a string over two lines gets its ignore comment above it, never
  -- inside the string; a syntax error offers no "Ignore"; an action asked right after an
  -- edit (before its diagnostics came back) is one for the edited text.
  local strings = os.getenv('PGLENS_STRINGS')
  if strings then
    vim.cmd('edit ' .. vim.fn.fnameescape(strings))
    local sbuf = vim.api.nvim_get_current_buf()
    if not vim.wait(20000, function() return #vim.diagnostic.get(sbuf) >= 2 end, 20) then
      return fail('no diagnostics for ' .. strings)
    end
    local function actions_at(line, col)
      local titles = {}
      local responses = vim.lsp.buf_request_sync(sbuf, 'textDocument/codeAction', {
        textDocument = { uri = vim.uri_from_bufnr(sbuf) },
        range = { start = { line = line, character = col }, ['end'] = { line = line, character = col } },
        context = { diagnostics = {} },
      }, 10000)
      local found = {}
      for _, response in pairs(responses or {}) do
        for _, action in ipairs(response.result or {}) do
          table.insert(titles, action.title)
          table.insert(found, action)
        end
      end
      return titles, found
    end
    for _, d in ipairs(vim.diagnostic.get(sbuf)) do
      if code_of(d) == 'syntax-error' then
        local titles = actions_at(d.lnum, d.col)
        say(string.format('syntax error: %d actions', #titles))
      end
    end
    for _, d in ipairs(vim.diagnostic.get(sbuf)) do
      if code_of(d) == 'select-star' then
        local before_strings = #vim.diagnostic.get(sbuf)
        local _, found = actions_at(d.lnum, d.col)
        for _, action in ipairs(found) do
          if action.title == 'Ignore `select-star` here' then vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16') end
        end
        vim.wait(20000, function() return #vim.diagnostic.get(sbuf) < before_strings end, 20)
        break
      end
    end
    vim.api.nvim_buf_set_lines(sbuf, -1, -1, false, { 'SELECT * FROM t;' })
    local titles = actions_at(vim.api.nvim_buf_line_count(sbuf) - 1, 7)
    say('right after an edit: ' .. table.concat(titles, ', '))
    for _, line in ipairs(vim.api.nvim_buf_get_lines(sbuf, 0, -1, false)) do
      say('strings ' .. line)
    end
  end

  -- Neovim 0.7 watches no files for the server: a .pglens.toml written now is still seen
  -- (the server looks every 2 s), here one that turns select-star off.
  local config = os.getenv('PGLENS_LATE_CONFIG')
  if config then
    vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('PGLENS_SQL')))
    vim.fn.writefile({ '[rules.select-star]', 'severity = "off"' }, config)
    local off = vim.wait(20000, function() return stars() == 0 end, 50)
    say('new .pglens.toml seen: ' .. tostring(off))
  end
  local notes = os.getenv('PGLENS_NOT_PLAN')
  if notes then
    vim.cmd('edit ' .. vim.fn.fnameescape(notes))
    say('not a plan: filetype "' .. vim.bo.filetype .. '"')
  end
  finish(0)
end)
if not ok then
  fail(tostring(err))
end
