-- pglens for Neovim (0.7 or newer): starts `pglens lsp` for sql and pgexplain buffers.
--
--   require('pglens').setup {
--     cmd = { 'pglens', 'lsp' },               -- the server command
--     filetypes = { 'sql', 'pgexplain' },
--     settings = { databaseUrl = nil, configPath = nil, debounceMs = nil },
--     debounce_text_changes = 20,                -- ms Neovim waits before sending an edit
--   }
--
-- Uses vim.lsp.start_client / vim.lsp.buf_attach_client, which exist in 0.7 (vim.lsp.start
-- came in 0.8), so it runs on Debian bookworm's Neovim too.
local M = {}

local defaults = {
  cmd = { 'pglens', 'lsp' },
  filetypes = { 'sql', 'pgexplain' },
  root_markers = { '.pglens.toml', '.git' },
  settings = {},
  on_attach = nil,
  -- Neovim batches edits for 150 ms by default before sending them; the server lints an
  -- edit in a few ms and debounces by itself, so the editor's wait was most of the latency.
  debounce_text_changes = 20,
}

M.config = vim.deepcopy(defaults)
local clients = {} -- root directory -> client id

-- The nearest directory above `path` holding one of the markers, else the file's directory.
local function find_root(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  for _, marker in ipairs(M.config.root_markers) do
    local found = vim.fn.findfile(marker, dir .. ';')
    if found == '' then
      found = vim.fn.finddir(marker, dir .. ';')
    end
    if found ~= '' then
      return vim.fn.fnamemodify(found, ':p:h'):gsub('/%.git/?$', ''):gsub('/$', '')
    end
  end
  return dir
end

-- `pglens.copyDdl` runs in the editor: the suggested DDL goes to the clipboard when there is
-- one (a clipboard provider: xclip, wl-copy, a terminal's OSC 52 ...) and always to the
-- unnamed register, so `p` pastes it either way.
local function copy_ddl(command)
  local ddl = command.arguments and command.arguments[1] or ''
  vim.fn.setreg('"', ddl)
  if vim.fn.has('clipboard') == 1 and pcall(vim.fn.setreg, '+', ddl) then
    vim.notify('pglens: suggested DDL copied to the clipboard', vim.log.levels.INFO)
  else
    vim.notify('pglens: suggested DDL copied to the unnamed register (no clipboard provider)', vim.log.levels.INFO)
  end
end

-- Whether a buffer holds an EXPLAIN plan: `*.plan` is also Terraform's and others' name, so
-- only a buffer that reads like one (a plan node with its costs, psql's QUERY PLAN header, a
-- JSON/YAML/XML plan, or a `pglens-query:` header) becomes a pgexplain buffer.
function M.looks_like_plan(bufnr)
  local lines = vim.api.nvim_buf_get_lines(bufnr or 0, 0, 40, false)
  for _, line in ipairs(lines) do
    if line:find('pglens%-query:')
      or line:find('%(cost=%d')
      or line:find('%(actual time=%d')
      or line:find('^%s*QUERY PLAN%s*$')
      or line:find('"Plan"%s*:')
      or line:find('^%s*%-? ?Plan:%s*$')
      or line:find('<explain')
      or line:find('^%s*Planning [Tt]ime:')
      or line:find('^%s*Execution [Tt]ime:') then
      return true
    end
  end
  return false
end

-- The database each configuration's schema comes from, as the server last reported it
-- (`pglens/databaseStatus`), by config path ('' for the defaults). The latest report is also in
-- vim.g.pglens_database_status, and a `User PglensDatabaseStatus` autocommand fires on each,
-- so that a statusline can show require('pglens').status().
M.database_status = {}

local state_text = {
  none = 'no database',
  untrusted = 'database not trusted',
  connecting = 'connecting',
  unreachable = 'database unreachable',
}

local function on_database_status(_, status)
  if type(status) ~= 'table' then
    return
  end
  M.database_status[status.config or ''] = status
  vim.g.pglens_database_status = status
  pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'PglensDatabaseStatus', modeline = false })
end

-- One line for a statusline: 'pglens: connected (12 tables)', '' before any report.
function M.status()
  local s = vim.g.pglens_database_status
  if type(s) ~= 'table' then
    return ''
  end
  if s.state == 'connected' then
    return string.format('pglens: connected (%d tables)', s.tables or 0)
  end
  return 'pglens: ' .. (state_text[s.state] or tostring(s.state))
end

local function server_settings()
  local s = vim.deepcopy(M.config.settings or {})
  s.clientCommands = { 'pglens.copyDdl' }
  return { pglens = s }
end

function M.start(root)
  local id = clients[root]
  if id then
    local client = vim.lsp.get_client_by_id(id)
    if client and not client.is_stopped() then
      return id
    end
  end
  id = vim.lsp.start_client({
    name = 'pglens',
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = server_settings(),
    settings = server_settings(),
    on_attach = M.config.on_attach,
    handlers = { ['pglens/databaseStatus'] = on_database_status },
    flags = { debounce_text_changes = M.config.debounce_text_changes },
  })
  clients[root] = id
  return id
end

function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = find_root(name ~= '' and name or vim.fn.getcwd() .. '/untitled')
  local id = M.start(root)
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  vim.lsp.commands['pglens.copyDdl'] = copy_ddl
  -- :PglensStatus tells where the schema of each configuration comes from.
  vim.api.nvim_create_user_command('PglensStatus', function()
    local lines = {}
    for config, status in pairs(M.database_status) do
      table.insert(lines, string.format('%s: %s (%s)', config ~= '' and config or 'default configuration',
        status.message or '', status.state or ''))
    end
    table.sort(lines)
    print(#lines > 0 and table.concat(lines, '\n') or 'pglens: no report from the server yet')
  end, {})
  local group = vim.api.nvim_create_augroup('pglens', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
    group = group,
    pattern = '*.explain',
    command = 'setfiletype pgexplain',
  })
  vim.api.nvim_create_autocmd('BufRead', {
    group = group,
    pattern = '*.plan',
    callback = function(args)
      if M.looks_like_plan(args.buf) then
        vim.cmd('setfiletype pgexplain')
      end
    end,
  })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
end

return M
