-- pglens for Neovim (0.7 or newer): starts `pglens lsp` for sql and pgexplain buffers.
--
--   require('pglens').setup {
--     cmd = { 'pglens', 'lsp' },               -- the server command
--     filetypes = { 'sql', 'pgexplain' },
--     settings = { databaseUrl = nil, configPath = nil, debounceMs = nil },
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

-- `pglens.copyDdl` runs in the editor: the suggested DDL goes to the clipboard and the
-- unnamed register.
local function copy_ddl(command)
  local ddl = command.arguments and command.arguments[1] or ''
  pcall(vim.fn.setreg, '+', ddl)
  vim.fn.setreg('"', ddl)
  vim.notify('pglens: suggested DDL copied', vim.log.levels.INFO)
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
  local group = vim.api.nvim_create_augroup('pglens', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
    group = group,
    pattern = { '*.explain', '*.plan' },
    command = 'setfiletype pgexplain',
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
