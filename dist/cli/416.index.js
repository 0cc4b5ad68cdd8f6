export const id = 416;
export const ids = [416];
export const modules = {

/***/ 89416:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GitHubArtifactStore: () => (/* binding */ GitHubArtifactStore)
/* harmony export */ });
/* harmony import */ var _actions_artifact__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7291);

/** In a runner (ACTIONS_RUNTIME_TOKEN set): a workflow artifact through @actions/artifact. */
class GitHubArtifactStore {
    kind = 'github';
    client = new _actions_artifact__WEBPACK_IMPORTED_MODULE_0__/* .DefaultArtifactClient */ .t9();
    async save(name, files, rootDir, retentionDays) {
        const res = await this.client.uploadArtifact(name, files, rootDir, retentionDays ? { retentionDays } : {});
        const id = res.id !== undefined ? String(res.id) : undefined;
        return {
            ...(id ? { id } : {}),
            name,
            location: `workflow artifact ${name}${id ? ` (id ${id})` : ''}${res.digest ? `, digest ${res.digest}` : ''}`
        };
    }
}


/***/ })

};
