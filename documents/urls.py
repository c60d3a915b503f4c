from django.urls import path

from documents import views

urlpatterns = [
    path("rooms/<int:room_id>/documents/", views.room_documents, name="room_documents"),
    path("rooms/<int:room_id>/documents/upload", views.upload, name="document_upload"),
    path("documents/", views.library, name="documents"),
    path("documents/<int:document_id>/", views.document_page, name="document"),
    path("documents/<int:document_id>/versions/upload", views.version_upload,
         name="document_version_upload"),
    path("documents/<int:document_id>/delete", views.delete, name="document_delete"),
    path("documents/<int:document_id>/versions/<int:number>/download", views.download,
         name="document_download"),
    path("documents/<int:document_id>/versions/<int:number>/preview", views.preview,
         name="document_preview"),
    path("documents/<int:document_id>/comments", views.comment_add, name="document_comment"),
    path("documents/comments/<int:comment_id>/delete", views.comment_delete,
         name="document_comment_delete"),
]
