export const id = 416;
export const ids = [416];
export const modules = {

/***/ 89416:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GitHubArtifactStore: () => (/* binding */ GitHubArtifactStore)
/* harmony export */ });
/* harmony import */ var _actions_artifact__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9645);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(73024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(76760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _runner_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(74813);




/** In a runner (ACTIONS_RUNTIME_TOKEN set): a workflow artifact through @actions/artifact. */
class GitHubArtifactStore {
    kind = 'github';
    client = new _actions_artifact__WEBPACK_IMPORTED_MODULE_0__/* .DefaultArtifactClient */ .t9();
    async save(name, files, rootDir, retentionDays) {
        const res = await this.client.uploadArtifact(name, files, rootDir, retentionDays ? { retentionDays } : {});
        const id = res.id !== undefined ? String(res.id) : undefined;
        const url = (0,_runner_js__WEBPACK_IMPORTED_MODULE_3__/* .artifactUrl */ .Wk)(id, process.env);
        return {
            ...(id ? { id } : {}),
            ...(url ? { url } : {}),
            name,
            location: `workflow artifact ${name}${id ? ` (id ${id})` : ''}${res.digest ? `, digest ${res.digest}` : ''}`
        };
    }
    async load(name, destDir, from) {
        let findBy;
        if (from) {
            const [owner, repo] = from.repository.split('/');
            if (!owner || !repo)
                throw new Error(`cannot tell the repository (GITHUB_REPOSITORY is "${from.repository}")`);
            findBy = {
                findBy: {
                    token: from.token,
                    workflowRunId: from.runId,
                    repositoryOwner: owner,
                    repositoryName: repo
                }
            };
        }
        const { artifact } = await this.client.getArtifact(name, findBy);
        await this.client.downloadArtifact(artifact.id, { path: destDir, ...findBy });
        const files = (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.readdirSync)(destDir).map((f) => (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(destDir, f));
        const url = from
            ? (0,_runner_js__WEBPACK_IMPORTED_MODULE_3__/* .artifactUrl */ .Wk)(artifact.id, { ...process.env, GITHUB_REPOSITORY: from.repository }, from.runId)
            : (0,_runner_js__WEBPACK_IMPORTED_MODULE_3__/* .artifactUrl */ .Wk)(artifact.id, process.env);
        return {
            id: String(artifact.id),
            ...(url ? { url } : {}),
            files,
            location: `workflow artifact ${name} (id ${artifact.id}${from ? `, run ${from.runId}` : ''})`
        };
    }
}


/***/ })

};
