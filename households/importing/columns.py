"""The review template's columns (docs/review-template.md): keys, canonical headers, accepted variants."""

from dataclasses import dataclass
from enum import StrEnum

from config.text import fold


class Kind(StrEnum):
    TEXT = "text"
    CODE = "code"
    INTEGER = "integer"
    MONEY = "money"
    FLAG = "flag"
    AREA = "area"
    CLASSIFICATION = "classification"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind
    required: bool = False
    aliases: tuple[str, ...] = ()
    is_indicator: bool = False

    def names(self) -> set[str]:
        """Every folded spelling that maps to this column: the header, its variants and the English key."""
        return {fold(name) for name in (self.header, self.key, self.key.replace("_", " "), *self.aliases)}


INDICATOR_HEADERS = {
    "employment": ("Việc làm", ()),
    "dependents": ("Người phụ thuộc trong hộ gia đình", ("Người phụ thuộc", "Phụ thuộc")),
    "nutrition": ("Dinh dưỡng", ()),
    "health_insurance": ("Bảo hiểm y tế", ("BHYT",)),
    "adult_education": ("Trình độ giáo dục của người lớn", ("Giáo dục người lớn", "Trình độ giáo dục")),
    "child_schooling": ("Tình trạng đi học của trẻ em", ("Trẻ em đi học", "Tình trạng đi học")),
    "housing_quality": ("Chất lượng nhà ở", ()),
    "housing_area": ("Diện tích nhà ở bình quân đầu người", ("Diện tích nhà ở",)),
    "water_source": ("Nguồn nước sinh hoạt", ("Nước sinh hoạt",)),
    "sanitation": ("Nhà tiêu hợp vệ sinh", ("Nhà tiêu",)),
    "telecom": ("Sử dụng dịch vụ viễn thông", ("Dịch vụ viễn thông", "Viễn thông")),
    "information_access": ("Phương tiện phục vụ tiếp cận thông tin", ("Tiếp cận thông tin",)),
    "waste_treatment": ("Thu gom, xử lý rác thải sinh hoạt", ("Xử lý rác thải", "Rác thải")),
}

BASE_COLUMNS = (
    Column("household_code", "Mã hộ", Kind.CODE, required=True, aliases=("Mã số hộ", "Mã hộ gia đình")),
    Column("head_name", "Họ và tên chủ hộ", Kind.TEXT, required=True, aliases=("Họ tên chủ hộ", "Chủ hộ")),
    Column("id_number", "Số CCCD/CMND chủ hộ", Kind.CODE, aliases=("Số CCCD", "CCCD", "CMND", "Số CCCD/CMND")),
    Column("commune_code", "Mã xã", Kind.CODE, aliases=("Mã xã/phường", "Mã đơn vị")),
    Column("commune_name", "Tên xã", Kind.TEXT, aliases=("Xã", "Xã/phường")),
    Column("village", "Thôn/bản/tổ dân phố", Kind.TEXT, aliases=("Thôn", "Thôn/bản", "Thôn, bản")),
    Column("area", "Khu vực", Kind.AREA),
    Column("ethnicity", "Dân tộc", Kind.TEXT),
    Column("members", "Số nhân khẩu", Kind.INTEGER, required=True, aliases=("Nhân khẩu", "Số người")),
    Column(
        "income_per_capita", "Thu nhập bình quân đầu người/tháng (đồng)", Kind.MONEY, required=True,
        aliases=("Thu nhập bình quân", "Thu nhập bình quân đầu người", "Thu nhập bình quân đầu người/tháng",
                 "Thu nhập", "income"),
    ),
    Column("declared_classification", "Phân loại", Kind.CLASSIFICATION, aliases=("Phân loại hộ", "Kết quả")),
    Column("female_head", "Chủ hộ là nữ", Kind.FLAG, aliases=("Chủ hộ nữ",)),
    Column("has_disabled", "Có người khuyết tật", Kind.FLAG, aliases=("Người khuyết tật",)),
    Column("has_merit", "Hộ có người có công", Kind.FLAG, aliases=("Người có công",)),
    Column("social_protection", "Hộ thuộc diện bảo trợ xã hội", Kind.FLAG, aliases=("Bảo trợ xã hội",)),
    Column("note", "Ghi chú", Kind.TEXT),
)

INDICATOR_COLUMNS = tuple(
    Column(key, header, Kind.FLAG, aliases=aliases, is_indicator=True)
    for key, (header, aliases) in INDICATOR_HEADERS.items()
)

ALL_COLUMNS = BASE_COLUMNS + INDICATOR_COLUMNS
BY_KEY = {column.key: column for column in ALL_COLUMNS}
# The group header some offices merge over the indicator columns; it is not a column itself.
GROUP_HEADERS = {fold("Chỉ số thiếu hụt dịch vụ xã hội cơ bản"), fold("Chỉ số thiếu hụt")}


def _lookup() -> dict[str, str]:
    table = {}
    for column in ALL_COLUMNS:
        for name in column.names():
            table.setdefault(name, column.key)
    return table


LOOKUP = _lookup()


def match_header(text: str) -> str | None:
    """The column key a header cell means ("MÃ HỘ", "ma ho:", "household_code" → "household_code")."""
    folded = fold(text)
    if not folded:
        return None
    return LOOKUP.get(folded) or LOOKUP.get(folded.replace(" ", "_"))
